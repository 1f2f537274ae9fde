"""Replace the network with a checked feed: every transport row deleted and the feed's rows inserted, in the
caller's transaction (the caller commits; nothing is written when the feed has a problem)."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gis.demo_city import bulk_insert
from gis.spatial import WGS84
from gis.transport.gtfs.reading import Feed, Problem, Source, read_feed
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
    TRANSLATED,
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

Progress = Callable[[int], object]


class FeedInvalid(Invalid):
    """The feed has problems (`problems`, by file and row); nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__("gtfs_invalid", count=len(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportReport:
    feed_id: int
    source_name: str
    sha256: str
    counts: dict[str, int]  # data rows per GTFS file of the zip


def import_feed(
    session: Session,
    source: Source | Feed,
    *,
    source_name: str | None = None,
    progress: Progress | None = None,
    is_demo: bool = False,
) -> ImportReport:
    """Make the feed (a zip's path or bytes, or a Feed already read) the network; FeedInvalid if it has problems.

    `progress` is told how many rows were written, up to `Feed.row_count` in all.
    """
    feed = source if isinstance(source, Feed) else read_feed(source, name=source_name)
    if feed.problems:
        raise FeedInvalid(feed.problems)
    clear_network(session)
    return _write(session, feed, source_name or feed.name, progress or (lambda _n: None), is_demo)


_MODELS = (StopTime, Frequency, Trip, Route, Shape, Stop, Agency, CalendarDate, Calendar, TransitFeed)


def clear_network(session: Session) -> None:
    """Delete every transport row."""
    session.flush()
    for model in _MODELS:
        session.execute(delete(model.__table__))
    # The deletes bypass the identity map: objects loaded before must not stand for new rows that reuse their keys.
    for obj in [o for o in session.identity_map.values() if isinstance(o, _MODELS)]:
        session.expunge(obj)


def _values(spec: GtfsFile, row: dict[str, Any]) -> dict[str, Any]:
    """A row's values under the model's attribute names."""
    return {c.attr: row.get(c.name) for c in spec.columns if c.attr}


def _number(x: float) -> str:
    text = repr(x)
    return text if "e" not in text else f"{x:.12f}"


def _coords(points: list[tuple[float, float]]) -> str:
    return ",".join(f"{_number(lon)} {_number(lat)}" for lon, lat in points)


def _ids(session: Session, model, column) -> dict[str, int]:
    return dict(session.execute(select(column, model.id)).all())


def _translations(feed: Feed) -> dict[tuple[str, str], dict[str, dict[str, str]]]:
    """(table, field) -> record id (or, as `value:` + text, the field's value) -> language -> translation."""
    found: dict = defaultdict(lambda: defaultdict(dict))
    for row in feed.rows(TRANSLATIONS):
        key = (row.get("table_name"), row.get("field_name"))
        language = (row.get("language") or "").lower().split("-")[0]
        if key not in TRANSLATED or language not in LANGUAGES:
            continue
        record = row.get("record_id")
        record = record if record is not None else f"value:{row.get('field_value')}"
        found[key][record][language] = row["translation"]
    return found


def _translated(names: dict, record_id: str, value: str | None, prefix: str) -> dict[str, str | None]:
    by_record, by_value = names.get(record_id, {}), names.get(f"value:{value}", {})
    return {f"{prefix}_{lang}": by_record.get(lang) or by_value.get(lang) for lang in LANGUAGES}


def _write(session: Session, feed: Feed, source_name: str, progress: Progress, is_demo: bool) -> ImportReport:
    names = _translations(feed)

    agencies = [{**_values(AGENCY, a), "agency_id": a.get("agency_id") or ""} for a in feed.rows(AGENCY)]
    bulk_insert(session, Agency.__table__, agencies)
    progress(len(agencies))
    agency_ids = _ids(session, Agency, Agency.agency_id)
    only_agency = next(iter(agency_ids.values())) if len(agency_ids) == 1 else None

    stops, where = [], {}
    for s in feed.rows(STOPS):
        where[s["stop_id"]] = (s["stop_lon"], s["stop_lat"])
        values = _values(STOPS, s) | _translated(
            names[("stops", "stop_name")], s["stop_id"], s.get("stop_name"), "name"
        )
        stops.append(
            values | {"location_type": s.get("location_type") or 0, "lon": s["stop_lon"], "lat": s["stop_lat"]}
        )
    bulk_insert(session, Stop.__table__, stops, points=True)
    progress(len(stops))
    stop_ids = _ids(session, Stop, Stop.stop_id)

    points: dict[str, list[dict]] = defaultdict(list)
    for p in feed.rows(SHAPES):
        points[p["shape_id"]].append(p)
    lines: dict[str, list[tuple[float, float]]] = {}
    shapes = []
    for shape_id, rows in points.items():
        rows.sort(key=lambda p: p["shape_pt_sequence"])
        lines[shape_id] = [(p["shape_pt_lon"], p["shape_pt_lat"]) for p in rows]
        distances = [p.get("shape_dist_traveled") for p in rows]
        shapes.append(
            {
                "shape_id": shape_id,
                "distances": distances if any(d is not None for d in distances) else None,
                "geom": f"SRID={WGS84};LINESTRING({_coords(lines[shape_id])})",
            }
        )
    bulk_insert(session, Shape.__table__, shapes)
    progress(len(feed.rows(SHAPES)))
    shape_ids = _ids(session, Shape, Shape.shape_id)

    # Each route's line on the map: its trips' distinct shapes, or the stops their trips call at.
    stop_times = sorted(feed.rows(STOP_TIMES), key=lambda st: (st["trip_id"], st["stop_sequence"]))
    patterns: dict[str, list[str]] = defaultdict(list)
    for st in stop_times:
        patterns[st["trip_id"]].append(st["stop_id"])
    paths: dict[str, dict[tuple, None]] = defaultdict(dict)  # route_id -> ordered set of paths
    for t in feed.rows(TRIPS):
        if t.get("shape_id") is not None:
            paths[t["route_id"]][("shape", t["shape_id"])] = None
        elif t["trip_id"] in patterns:
            paths[t["route_id"]][("stops", *patterns[t["trip_id"]])] = None
    routes = []
    for r in feed.rows(ROUTES):
        values = _values(ROUTES, r) | _translated(
            names[("routes", "route_long_name")], r["route_id"], r.get("route_long_name"), "long_name"
        )
        agency = agency_ids[r["agency_id"]] if r.get("agency_id") is not None else only_agency
        routes.append(values | {"agency_id": agency, "geom": _route_geometry(paths[r["route_id"]], lines, where)})
    bulk_insert(session, Route.__table__, routes)
    progress(len(routes))
    route_ids = _ids(session, Route, Route.route_id)

    trips = [
        _values(TRIPS, t)
        | {
            "route_id": route_ids[t["route_id"]],
            "shape_id": shape_ids[t["shape_id"]] if t.get("shape_id") is not None else None,
        }
        for t in feed.rows(TRIPS)
    ]
    bulk_insert(session, Trip.__table__, trips)
    progress(len(trips))
    trip_ids = _ids(session, Trip, Trip.trip_id)

    bulk_insert(
        session,
        StopTime.__table__,
        [
            _values(STOP_TIMES, st) | {"trip_id": trip_ids[st["trip_id"]], "stop_id": stop_ids[st["stop_id"]]}
            for st in stop_times
        ],
        progress=progress,
    )
    for spec, model, extra in (
        (FREQUENCIES, Frequency, lambda f: {"trip_id": trip_ids[f["trip_id"]]}),
        (CALENDAR, Calendar, lambda _c: {}),
        (CALENDAR_DATES, CalendarDate, lambda _c: {}),
    ):
        bulk_insert(session, model.__table__, [_values(spec, row) | extra(row) for row in feed.rows(spec)])
        progress(len(feed.rows(spec)))

    info = feed.rows(FEED_INFO)[0] if feed.rows(FEED_INFO) else {}
    record = TransitFeed(
        source_name=source_name[:300],
        sha256=feed.sha256,
        counts=feed.counts,
        is_demo=is_demo,
        **_values(FEED_INFO, info),
    )
    session.add(record)
    session.flush()
    progress(len(feed.rows(FEED_INFO)) + len(feed.rows(TRANSLATIONS)))
    return ImportReport(record.id, record.source_name, feed.sha256, feed.counts)


def _route_geometry(paths: dict[tuple, None], lines: dict, where: dict) -> str | None:
    parts = []
    for path in sorted(paths):  # the same line whatever the order of the trips in the file
        if path[0] == "shape":
            coords = lines[path[1]]
        else:
            coords = [where[stop_id] for stop_id in path[1:]]
            coords = [c for i, c in enumerate(coords) if i == 0 or c != coords[i - 1]]
        if len(coords) >= 2:
            parts.append(f"({_coords(coords)})")
    return f"SRID={WGS84};MULTILINESTRING({','.join(parts)})" if parts else None
