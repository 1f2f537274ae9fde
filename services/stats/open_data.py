"""The commune's requests as anonymised open data: one record per received request, streamed, CSV or GeoJSON.

What a record says: which service (and its department), in which district, filed and handled which day, with
which status and outcome, how long it took and whether within the legal delay, and the citizen's rating.
What it never says: who filed it (name, email, phone, national id), what they wrote (answers, address, comments,
files), its tracking number or database id, which street light or container it named, or exactly where.

Where, by kind of service, the public map's rule made stricter (services.requests.public_layer):
- reports and complaints are about public space: the point is moved to the centre of its cell in a grid of
  GRID_DEGREES (about 110 m north-south, 90 m east-west at Berkane), so a record shows a block, never a door;
- requests (building permits, occupation of public space...) concern someone's home or business: the record
  shows the district only, its point is one inside the district (PointOnSurface, the same for every record);
- certificates are personal documents: counted, with no place at all (no district, no point).
Requests filed without an account and never confirmed are not received, and are left out as from every figure.
"""

import csv
import hashlib
import hmac
import io
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis import spatial
from gis.districts.models import District
from services.accounts.models import Department
from services.catalog.models import Service, ServiceKind, ServiceVersion
from services.clock import LOCAL_TZ, local
from services.db import as_utc, utcnow
from services.errors import Invalid
from services.requests.models import ServiceRequest
from services.workflow.states import ANSWERED, OPEN_STATES, Status

FIRST_YEAR = 2020  # before the portal: no request can be older
GRID_DEGREES = 0.001
BATCH = 2000  # rows fetched per round trip, and written per chunk of the answer
ID_LENGTH = 16  # hex digits: 64 bits, no collision to fear at millions of rows


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # string, integer, number, boolean, date (ISO 8601 day): the Table Schema names
    in_geojson: bool = True  # longitude and latitude are the geometry there, not properties


FIELDS = (
    Field("id", "string"),
    Field("service_code", "string"),
    Field("service_name_ar", "string"),
    Field("service_name_fr", "string"),
    Field("service_kind", "string"),
    Field("department_code", "string"),
    Field("department_name_ar", "string"),
    Field("department_name_fr", "string"),
    Field("district_code", "string"),
    Field("district_name_ar", "string"),
    Field("district_name_fr", "string"),
    Field("filed_date", "date"),
    Field("status", "string"),
    Field("outcome", "string"),
    Field("handled_date", "date"),
    Field("days_to_handle", "number"),
    Field("within_legal_delay", "boolean"),
    Field("rating", "integer"),
    Field("location_precision", "string"),
    Field("longitude", "number", in_geojson=False),
    Field("latitude", "number", in_geojson=False),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
PROPERTY_NAMES = tuple(f.name for f in FIELDS if f.in_geojson)

# location_precision values
GRID, DISTRICT = "grid", "district"
LOCATION_POLICY = {
    ServiceKind.REPORT.value: GRID,
    ServiceKind.COMPLAINT.value: GRID,
    ServiceKind.REQUEST.value: DISTRICT,
    ServiceKind.CERTIFICATE.value: None,
}
PUBLISHED_STATUSES = tuple(s.value for s in Status if s is not Status.PENDING_CONFIRMATION)
_OPEN = frozenset(s.value for s in OPEN_STATES)
_ANSWERED = frozenset(o.value for o in ANSWERED)


def parse_year(text: str | None, today: date) -> int | None:
    """The `year` filter as typed: None for all years, else a year from FIRST_YEAR to this one."""
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= today.year:
        raise Invalid("open_data_year_invalid", field="year", first=FIRST_YEAR, last=today.year)
    return int(text)


def id_hasher(key: bytes) -> "hmac.HMAC":
    """HMAC-SHA256 under `key`: the same request always gets the same id, which leads back to nothing."""
    return hmac.new(key, digestmod=hashlib.sha256)


def anonymous_id(hasher: "hmac.HMAC", request_id: int) -> str:
    h = hasher.copy()
    h.update(b"request:%d" % request_id)
    return h.hexdigest()[:ID_LENGTH]


def snap(coordinate: float) -> float:
    """The centre of the grid cell holding `coordinate`."""
    return round((math.floor(coordinate / GRID_DEGREES) + 0.5) * GRID_DEGREES, 4)


def _references(session: Session) -> tuple[dict, dict, dict]:
    """Services (current names), departments and districts by id: a few hundred rows, read once per file."""
    latest = (
        select(ServiceVersion.service_id, func.max(ServiceVersion.version).label("version"))
        .group_by(ServiceVersion.service_id)
        .subquery()
    )
    services = {
        row.id: row
        for row in session.execute(
            select(Service.id, Service.code, Service.kind, ServiceVersion.name_ar, ServiceVersion.name_fr)
            .join(latest, latest.c.service_id == Service.id)
            .join(
                ServiceVersion,
                (ServiceVersion.service_id == Service.id) & (ServiceVersion.version == latest.c.version),
            )
        )
    }
    departments = {
        row.id: row
        for row in session.execute(select(Department.id, Department.code, Department.name_ar, Department.name_fr))
    }
    inside = func.ST_PointOnSurface(District.geom)
    districts = {
        row.id: row
        for row in session.execute(
            select(
                District.id,
                District.code,
                District.name_ar,
                District.name_fr,
                spatial.lon(inside).label("lon"),
                spatial.lat(inside).label("lat"),
            )
        )
    }
    return services, departments, districts


def records(
    session: Session, *, key: bytes, year: int | None = None, now: datetime | None = None, batch: int = BATCH
) -> Iterator[dict[str, Any]]:
    """Every received request (of `year`, by its local filing day), oldest first, as an anonymised record.

    Rows come from the database `batch` at a time (a server-side cursor where the engine has one): a million requests
    never sit in memory. The filter and the order follow the index on filed_at.
    """
    now = now or utcnow()
    services, departments, districts = _references(session)
    hasher = id_hasher(key)
    r = ServiceRequest
    query = (
        select(
            r.id,
            r.service_id,
            r.department_id,
            r.district_id,
            r.filed_at,
            r.status,
            r.outcome,
            r.handled_at,
            r.hours_to_handle,
            r.deadline_at,
            r.rating,
            spatial.lon(r.location).label("lon"),
            spatial.lat(r.location).label("lat"),
        )
        .where(r.status.in_(PUBLISHED_STATUSES))
        .order_by(r.filed_at, r.id)
    )
    if year is not None:
        query = query.where(
            r.filed_at >= datetime.combine(date(year, 1, 1), time(), LOCAL_TZ),
            r.filed_at < datetime.combine(date(year + 1, 1, 1), time(), LOCAL_TZ),
        )
    for row in session.execute(query.execution_options(yield_per=batch)):
        yield _record(row, hasher, services, departments, districts, now)


def _record(row, hasher, services, departments, districts, now: datetime) -> dict[str, Any]:
    service = services[row.service_id]
    department = departments[row.department_id]
    policy = LOCATION_POLICY.get(service.kind)
    district = districts.get(row.district_id) if policy is not None else None
    if policy == GRID and row.lon is not None:
        lon, lat, precision = snap(row.lon), snap(row.lat), GRID
    elif policy is not None and district is not None and district.lon is not None:
        lon, lat, precision = round(district.lon, 6), round(district.lat, 6), DISTRICT
    else:
        lon = lat = precision = None
    return {
        "id": anonymous_id(hasher, row.id),
        "service_code": service.code,
        "service_name_ar": service.name_ar,
        "service_name_fr": service.name_fr,
        "service_kind": service.kind,
        "department_code": department.code,
        "department_name_ar": department.name_ar,
        "department_name_fr": department.name_fr,
        "district_code": district.code if district else None,
        "district_name_ar": district.name_ar if district else None,
        "district_name_fr": district.name_fr if district else None,
        "filed_date": _day(row.filed_at),
        "status": row.status,
        "outcome": row.outcome,
        "handled_date": _day(row.handled_at),
        "days_to_handle": round(row.hours_to_handle / 24, 1) if row.hours_to_handle is not None else None,
        "within_legal_delay": _within_delay(row, now),
        "rating": row.rating,
        "location_precision": precision,
        "longitude": lon,
        "latitude": lat,
    }


def _day(moment: datetime | None) -> str | None:
    return local(as_utc(moment)).date().isoformat() if moment is not None else None


def _within_delay(row, now: datetime) -> bool | None:
    """Answered by the legal deadline; an open request past it is already late; a duplicate is not answered."""
    deadline = as_utc(row.deadline_at)
    if row.outcome in _ANSWERED and row.handled_at is not None:
        return as_utc(row.handled_at) <= deadline
    if row.outcome is None and row.status in _OPEN and now > deadline:
        return False
    return None


# --------------------------------------------------------------------------- files


def _csv_value(value) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def csv_chunks(rows: Iterable[dict[str, Any]], *, batch: int = BATCH) -> Iterator[bytes]:
    """UTF-8 CSV with a byte order mark (so Excel reads Arabic), comma-separated, header first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(FIELD_NAMES)
    for n, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(row[name]) for name in FIELD_NAMES])
        if n % batch == 0:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode()


def geojson_chunks(
    rows: Iterable[dict[str, Any]], *, name: str = "berkane-requests", batch: int = BATCH
) -> Iterator[bytes]:
    """An RFC 7946 FeatureCollection (WGS 84 longitude, latitude); a record without a place has a null geometry."""
    parts = [f'{{"type":"FeatureCollection","name":{json.dumps(name)},"features":[\n']
    for n, row in enumerate(rows, start=1):
        geometry = (
            {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]}
            if row["longitude"] is not None
            else None
        )
        feature = {
            "type": "Feature",
            "id": row["id"],
            "geometry": geometry,
            "properties": {key: row[key] for key in PROPERTY_NAMES},
        }
        parts.append(("" if n == 1 else ",\n") + json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
        if n % batch == 0:
            yield "".join(parts).encode()
            parts.clear()
    parts.append("\n]}\n")
    yield "".join(parts).encode()
