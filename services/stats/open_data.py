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
import io
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

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
assert FIELD_NAMES[len(PROPERTY_NAMES) :] == ("longitude", "latitude")  # the writers cut records there

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


def id_hasher(key: bytes) -> "hashlib.blake2b":
    """BLAKE2b keyed with `key` (a MAC, like an HMAC and faster): the same request always gets the same id, and
    without the key an id leads back to nothing."""
    return hashlib.blake2b(key=key[:64], digest_size=ID_LENGTH // 2, person=b"brk-open-data")


def anonymous_id(hasher: "hashlib.blake2b", request_id: int) -> str:
    h = hasher.copy()
    h.update(b"%d" % request_id)
    return h.hexdigest()


def snap(coordinate: float) -> float:
    """The centre of the grid cell holding `coordinate`."""
    return round((math.floor(coordinate / GRID_DEGREES) + 0.5) * GRID_DEGREES, 4)


def _references(session: Session) -> tuple[dict, dict, dict]:
    """Services (current names), departments and districts by id, as the parts of a record they give: a few
    hundred rows, read once per file."""
    latest = (
        select(ServiceVersion.service_id, func.max(ServiceVersion.version).label("version"))
        .group_by(ServiceVersion.service_id)
        .subquery()
    )
    services = {
        id_: (code, name_ar, name_fr, kind)
        for id_, code, kind, name_ar, name_fr in session.execute(
            select(Service.id, Service.code, Service.kind, ServiceVersion.name_ar, ServiceVersion.name_fr)
            .join(latest, latest.c.service_id == Service.id)
            .join(
                ServiceVersion,
                (ServiceVersion.service_id == Service.id) & (ServiceVersion.version == latest.c.version),
            )
        )
    }
    departments = {
        id_: (code, name_ar, name_fr)
        for id_, code, name_ar, name_fr in session.execute(
            select(Department.id, Department.code, Department.name_ar, Department.name_fr)
        )
    }
    inside = func.ST_PointOnSurface(District.geom)
    districts = {
        id_: (code, name_ar, name_fr, _round(lon), _round(lat))
        for id_, code, name_ar, name_fr, lon, lat in session.execute(
            select(
                District.id,
                District.code,
                District.name_ar,
                District.name_fr,
                spatial.lon(inside),
                spatial.lat(inside),
            )
        )
    }
    return services, departments, districts


def _round(degrees: float | None) -> float | None:
    return round(degrees, 6) if degrees is not None else None


_NO_DISTRICT = (None, None, None, None, None)


def records(
    session: Session, *, key: bytes, year: int | None = None, now: datetime | None = None, batch: int = BATCH
) -> Iterator[tuple]:
    """Every received request (of `year`, by its local filing day), oldest first, as an anonymised record: a
    tuple of the values of FIELDS, in their order.

    Rows come from the database `batch` at a time (a server-side cursor where the engine has one): a million
    requests never sit in memory. The filter and the order follow the index on filed_at. The loop is written
    for speed (tuples, cached days): it runs once per request of the commune.
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
            spatial.lon(r.location),
            spatial.lat(r.location),
        )
        .where(r.status.in_(PUBLISHED_STATUSES))
        .order_by(r.filed_at, r.id)
    )
    if year is not None:
        query = query.where(
            r.filed_at >= datetime.combine(date(year, 1, 1), time(), LOCAL_TZ),
            r.filed_at < datetime.combine(date(year + 1, 1, 1), time(), LOCAL_TZ),
        )
    days: dict = {}
    now_naive = now.astimezone(UTC).replace(tzinfo=None)
    # Core, not the ORM: plain rows, without the ORM's loading step for each of them.
    result = session.connection().execute(query.execution_options(yield_per=batch)).tuples()
    for (
        id_,
        service_id,
        department_id,
        district_id,
        filed_at,
        status,
        outcome,
        handled_at,
        hours,
        deadline_at,
        rating,
        lon,
        lat,
    ) in result:
        code, name_ar, name_fr, kind = services[service_id]
        policy = LOCATION_POLICY.get(kind)
        district = districts.get(district_id, _NO_DISTRICT) if policy is not None else _NO_DISTRICT
        if policy == GRID and lon is not None:
            lon, lat, precision = snap(lon), snap(lat), GRID
        elif policy is not None and district[3] is not None:
            lon, lat, precision = district[3], district[4], DISTRICT
        else:
            lon = lat = precision = None
        # Answered by the legal deadline; an open request past it is already late; a duplicate is not answered.
        if outcome in _ANSWERED and handled_at is not None:
            within = handled_at <= deadline_at
        elif outcome is None and status in _OPEN and (now if deadline_at.tzinfo else now_naive) > deadline_at:
            within = False
        else:
            within = None
        yield (
            anonymous_id(hasher, id_),
            code,
            name_ar,
            name_fr,
            kind,
            *departments[department_id],
            *district[:3],
            _local_day(filed_at, days),
            status,
            outcome,
            _local_day(handled_at, days) if handled_at is not None else None,
            round(hours / 24, 1) if hours is not None else None,
            within,
            rating,
            precision,
            lon,
            lat,
        )


def _local_day(moment: datetime, cache: dict) -> str:
    """The local day of a stored UTC time, cached by UTC hour (Morocco's offset changes only on the hour)."""
    if moment.tzinfo is not None and moment.utcoffset():
        moment = moment.astimezone(UTC)
    key = (moment.year, moment.month, moment.day, moment.hour)
    day = cache.get(key)
    if day is None:
        day = cache[key] = local(as_utc(moment)).date().isoformat()
    return day


# --------------------------------------------------------------------------- files

_WITHIN = FIELD_NAMES.index("within_legal_delay")
_LONGITUDE = FIELD_NAMES.index("longitude")
_CSV_BOOLEAN = {True: "true", False: "false", None: None}
# One encoder for every feature: json.dumps with options builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def csv_chunks(rows: Iterable[tuple], *, batch: int = BATCH) -> Iterator[bytes]:
    """UTF-8 CSV with a byte order mark (so Excel reads Arabic), comma-separated, header first; an empty cell for
    no value (the csv module writes None so), true or false."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(FIELD_NAMES)
    chunk = []
    for row in rows:
        chunk.append((*row[:_WITHIN], _CSV_BOOLEAN[row[_WITHIN]], *row[_WITHIN + 1 :]))
        if len(chunk) == batch:
            writer.writerows(chunk)
            chunk.clear()
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    writer.writerows(chunk)
    yield out.getvalue().encode()


def geojson_chunks(rows: Iterable[tuple], *, name: str = "berkane-requests", batch: int = BATCH) -> Iterator[bytes]:
    """An RFC 7946 FeatureCollection (WGS 84 longitude, latitude); a record without a place has a null geometry."""
    parts = [f'{{"type":"FeatureCollection","name":{_encode(name)},"features":[\n']
    separator = ""
    for n, row in enumerate(rows, start=1):
        lon, lat = row[_LONGITUDE], row[_LONGITUDE + 1]
        feature = {
            "type": "Feature",
            "id": row[0],
            "geometry": {"type": "Point", "coordinates": [lon, lat]} if lon is not None else None,
            "properties": dict(zip(PROPERTY_NAMES, row[:_LONGITUDE], strict=True)),
        }
        parts.append(separator + _encode(feature))
        separator = ",\n"
        if n % batch == 0:
            yield "".join(parts).encode()
            parts.clear()
    parts.append("\n]}\n")
    yield "".join(parts).encode()
