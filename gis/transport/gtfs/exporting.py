"""Write the network back out as a GTFS zip: the same files the importer reads, and translations.txt for the
Arabic and French names of stops and routes. The same network always gives the same bytes."""

import csv
import io
import zipfile
from collections.abc import Iterable
from datetime import date
from typing import Any

from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis import spatial
from gis.transport.gtfs.reading import format_time
from gis.transport.gtfs.spec import (
    AGENCY,
    CALENDAR,
    CALENDAR_DATES,
    FEED_INFO,
    FREQUENCIES,
    LANGUAGES,
    ROUTES,
    SHAPES,
    STOP_TIMES,
    STOPS,
    TRANSLATIONS,
    TRIPS,
    GtfsFile,
)
from gis.transport.models import (
    Agency,
    Calendar,
    CalendarDate,
    Frequency,
    Route,
    Shape,
    Stop,
    StopTime,
    TransitFeed,
    Trip,
)
from services.errors import Invalid

_ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # a fixed date in the zip: the same network, the same bytes


def _text(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "flag":
        return "1" if value else "0"
    if kind == "time":
        return format_time(value)
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    if isinstance(value, float):
        text = repr(value)
        return text if "e" not in text else f"{value:.12f}"
    return str(value)


def _attributes(spec: GtfsFile, row) -> dict[str, Any]:
    """A model row's values under the GTFS column names its attributes come from."""
    return {c.name: getattr(row, c.attr) for c in spec.columns if c.attr}


def _csv(spec: GtfsFile, rows: list[dict[str, Any]]) -> str:
    """The file's text: required columns always, optional ones only when some row has a value."""
    header = [c for c in spec.columns if c.required or any(row.get(c.name) not in (None, "") for row in rows)]
    cells = []
    for column in header:
        texts: dict = {}  # each distinct value formatted once: stop_times.txt repeats its times
        values = []
        for row in rows:
            value = row.get(column.name)
            text = texts.get(value)
            if text is None:
                text = texts[value] = _text(column.kind, value)
            values.append(text)
        cells.append(values)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in header])
    writer.writerows(zip(*cells, strict=True))
    return out.getvalue()


def _stops(session: Session) -> Iterable[dict]:
    query = select(Stop, spatial.lon(Stop.geom), spatial.lat(Stop.geom)).order_by(Stop.stop_id)
    for stop, lon, lat in session.execute(query):
        yield _attributes(STOPS, stop) | {"stop_lat": lat, "stop_lon": lon}


def _routes(session: Session) -> Iterable[dict]:
    query = select(Route, Agency.agency_id).outerjoin(Agency, Route.agency_id == Agency.id).order_by(Route.route_id)
    for route, agency_id in session.execute(query):
        yield _attributes(ROUTES, route) | {"agency_id": agency_id or None}


def _trips(session: Session) -> Iterable[dict]:
    query = (
        select(Trip, Route.route_id, Shape.shape_id)
        .join(Route, Trip.route_id == Route.id)
        .outerjoin(Shape, Trip.shape_id == Shape.id)
        .order_by(Trip.trip_id)
    )
    for trip, route_id, shape_id in session.execute(query):
        yield _attributes(TRIPS, trip) | {"route_id": route_id, "shape_id": shape_id}


def _stop_times(session: Session) -> Iterable[dict]:
    columns = [c for c in STOP_TIMES.columns if c.attr]
    query = (
        select(Trip.trip_id, Stop.stop_id, *(getattr(StopTime, c.attr) for c in columns))
        .join(Trip, StopTime.trip_id == Trip.id)
        .join(Stop, StopTime.stop_id == Stop.id)
        .order_by(Trip.trip_id, StopTime.stop_sequence)
    )
    for trip_id, stop_id, *values in session.execute(query):
        yield {"trip_id": trip_id, "stop_id": stop_id} | {c.name: v for c, v in zip(columns, values, strict=True)}


def _frequencies(session: Session) -> Iterable[dict]:
    query = select(Frequency, Trip.trip_id).join(Trip, Frequency.trip_id == Trip.id)
    for frequency, trip_id in session.execute(query.order_by(Trip.trip_id, Frequency.start_s)):
        yield _attributes(FREQUENCIES, frequency) | {"trip_id": trip_id}


def _shapes(session: Session) -> Iterable[dict]:
    for shape in session.scalars(select(Shape).order_by(Shape.shape_id)):
        distances = shape.distances or []
        for n, (lon, lat) in enumerate(to_shape(shape.geom).coords):
            yield {
                "shape_id": shape.shape_id,
                "shape_pt_lat": lat,
                "shape_pt_lon": lon,
                "shape_pt_sequence": n + 1,
                "shape_dist_traveled": distances[n] if n < len(distances) else None,
            }


def _translations(session: Session) -> Iterable[dict]:
    for table, field, model, key, prefix in (
        ("stops", "stop_name", Stop, Stop.stop_id, "name"),
        ("routes", "route_long_name", Route, Route.route_id, "long_name"),
    ):
        for row in session.scalars(select(model).order_by(key)):
            for language in LANGUAGES:
                translation = getattr(row, f"{prefix}_{language}")
                if translation:
                    yield {
                        "table_name": table,
                        "field_name": field,
                        "language": language,
                        "translation": translation,
                        "record_id": getattr(row, key.key),
                    }


def _simple(session: Session, spec: GtfsFile, model, *order) -> Iterable[dict]:
    for row in session.scalars(select(model).order_by(*order)):
        yield _attributes(spec, row)


def export_feed(session: Session) -> bytes:
    """The network as GTFS zip bytes; Invalid("transport_network_empty") when no feed was imported."""
    feed = session.scalar(select(TransitFeed).order_by(TransitFeed.id.desc()).limit(1))
    if feed is None and session.scalar(select(Stop.id).limit(1)) is None:
        raise Invalid("transport_network_empty")
    files = {
        AGENCY: [
            _attributes(AGENCY, a) | {"agency_id": a.agency_id or None}
            for a in session.scalars(select(Agency).order_by(Agency.agency_id))
        ],
        STOPS: list(_stops(session)),
        ROUTES: list(_routes(session)),
        TRIPS: list(_trips(session)),
        STOP_TIMES: list(_stop_times(session)),
        CALENDAR: list(_simple(session, CALENDAR, Calendar, Calendar.service_id)),
        CALENDAR_DATES: list(
            _simple(session, CALENDAR_DATES, CalendarDate, CalendarDate.service_id, CalendarDate.date)
        ),
        FREQUENCIES: list(_frequencies(session)),
        SHAPES: list(_shapes(session)),
        FEED_INFO: [_attributes(FEED_INFO, feed)] if feed is not None and feed.publisher_name else [],
        TRANSLATIONS: list(_translations(session)),
    }
    return feed_zip(files)


def feed_zip(files: dict[GtfsFile, list[dict[str, Any]]]) -> bytes:
    """A GTFS zip of rows given as values by GTFS column name (times in seconds, dates as dates); files without
    rows are left out."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for spec, rows in files.items():
            if rows:
                info = zipfile.ZipInfo(spec.name, _ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, _csv(spec, rows))
    return buffer.getvalue()
