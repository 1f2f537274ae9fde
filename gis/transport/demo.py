"""A small synthetic bus network for the demo Berkane, written as a GTFS zip and imported like any other feed.

Four lines cross the town from one district to the district across the centre, through a shared stop in
the town centre, and a fifth links the districts left over along the edge of the town. Stops stand about
every 450 m and are named after their district or a street, in Arabic and French (translations.txt).
Weekday and weekend services run from 1 January of the year to 31 December of the next; on a Moroccan public
holiday (the `holidays` package, religious ones estimated) the weekday service stops and the weekend one runs.
Line 1 runs by headway (frequencies.txt); line 2 has a night bus leaving after midnight of the service day
(24:30:00). The feed is the same for the same districts and year, so seeding again changes nothing.
"""

import hashlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import holidays
import numpy as np
import shapely
from shapely.geometry import LineString
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis import demo_city
from gis.demo_city import Area
from gis.districts.models import District
from gis.lighting.demo import AVENUES, RUES
from gis.transport.gtfs import import_feed
from gis.transport.gtfs.exporting import feed_zip
from gis.transport.gtfs.spec import (
    AGENCY,
    CALENDAR,
    CALENDAR_DATES,
    FEED_INFO,
    FREQUENCIES,
    ROUTES,
    SHAPES,
    STOP_TIMES,
    STOPS,
    TRANSLATIONS,
    TRIPS,
    WEEKDAYS,
)
from gis.transport.models import Route, Stop, StopTime, TransitFeed, Trip
from services.clock import local
from services.db import utcnow

SOURCE_NAME = "berkane-demo-gtfs.zip"
AGENCY_ID = "BRK-BUS"
STOP_SPACING_M = 450.0
SPEED_M_PER_S = 18 / 3.6  # an urban bus, stops included
DWELL_S = 20
SHAPE_STEP_M = 100.0  # between the vertices of a line's shape
WEEKDAY, WEEKEND = "SEMAINE", "WEEKEND"
COLORS = ("D52B1E", "006233", "1565C0", "F9A825", "6A1B9A")
# Line 1 by headway: (start, end, seconds between buses) per service.
LINE1_WINDOWS = {
    WEEKDAY: ((6 * 3600, 9 * 3600, 600), (9 * 3600, 16 * 3600, 1200), (16 * 3600, 20 * 3600, 600)),
    WEEKEND: ((7 * 3600, 21 * 3600, 1200),),
}
# The other lines by timetable: (first departure, last departure, minutes between buses) per service.
TIMETABLE = {WEEKDAY: (6 * 3600, 21 * 3600 + 30 * 60, 25), WEEKEND: (7 * 3600, 21 * 3600, 40)}
NIGHT_BUSES = (23 * 3600 + 45 * 60, 24 * 3600 + 30 * 60)  # line 2, weekdays, past midnight of the service day
CENTRE_CODE = "demo-centre"


@dataclass(frozen=True)
class DemoNetwork:
    routes: int
    stops: int
    trips: int
    stop_times: int
    written: bool  # False when the network was already this one, or is an imported (not demo) network
    kept_imported: bool = False


@dataclass
class _Line:
    number: int
    waypoints: list[Area]
    path: LineString  # metres
    stops: list[int]  # indexes into the stop list, in the order of direction 0


def _anchor(area: Area) -> np.ndarray:
    """A point well inside the district, on the town's metric plane."""
    return np.asarray(demo_city.to_metres(area.geometry).representative_point().coords[0])


def _lines(areas: Sequence[Area]) -> list[list[Area]]:
    """Waypoints of five lines: four across the centre between districts facing each other, one along the edge."""
    centre = next((a for a in areas if a.code == CENTRE_CODE), None)
    if centre is None or len(areas) < 6:
        raise ValueError("the demo network needs the demo districts, the centre among them")
    middle = _anchor(centre)

    def bearing(area: Area) -> float:
        dx, dy = _anchor(area) - middle
        return math.atan2(dy, dx)

    outer = sorted((a for a in areas if a is not centre), key=bearing)
    half = len(outer) // 2
    lines = [[outer[k], centre, outer[k + half]] for k in range(min(4, half))]
    left = [a for a in outer if not any(a in line for line in lines)]
    # The edge line joins what the cross lines left out to its two neighbours around the town.
    last = left[0] if left else outer[-1]
    k = outer.index(last)
    lines.append([outer[k - 1], last, outer[(k + 1) % len(outer)]])
    return lines


def _stop_names(count: int) -> list[tuple[str, str]]:
    streets = [*AVENUES, *RUES]
    return [(f"محطة {ar}", f"Arrêt {fr}") for ar, fr in streets[:count]] + [
        (f"محطة {n}", f"Arrêt {n}") for n in range(1, count - len(streets) + 1)
    ]


def _service_days(year: int) -> tuple[date, date, list[tuple[str, date, int]]]:
    """The services' dates, and the exceptions of public holidays that fall on a weekday."""
    start, end = date(year, 1, 1), date(year + 1, 12, 31)
    exceptions = []
    for day in sorted(holidays.Morocco(years=(year, year + 1))):
        if start <= day <= end and day.weekday() < 5:
            exceptions += [(WEEKDAY, day, 2), (WEEKEND, day, 1)]
    return start, end, exceptions


def generate(areas: Sequence[Area], year: int) -> bytes:
    """The demo feed as GTFS zip bytes: the same for the same districts and year."""
    areas = sorted(areas, key=lambda a: a.code)
    stops: list[dict] = []
    anchors: dict[str, int] = {}  # district code -> its stop
    lines: list[_Line] = []
    street_stops = 0
    for number, waypoints in enumerate(_lines(areas), start=1):
        path = LineString([_anchor(a) for a in waypoints])
        along = [path.project(shapely.Point(_anchor(a))) for a in waypoints]
        # A stop at each waypoint (shared by the lines through its district), and evenly spaced ones between.
        positions: list[tuple[float, Area | None]] = [(along[0], waypoints[0])]
        for (a, b), waypoint in zip(itertools.pairwise(along), waypoints[1:], strict=True):
            gaps = max(1, round((b - a) / STOP_SPACING_M))
            positions += [(a + (b - a) * i / gaps, None) for i in range(1, gaps)] + [(b, waypoint)]
        line_stops = []
        for position, waypoint in positions:
            if waypoint is not None and waypoint.code in anchors:
                line_stops.append(anchors[waypoint.code])
                continue
            names = None
            if waypoint is not None:
                anchors[waypoint.code] = len(stops)
                names = (f"محطة {waypoint.name_ar}", f"Arrêt {waypoint.name_fr}")
            else:
                street_stops += 1
            line_stops.append(len(stops))
            stops.append({"xy": np.asarray(path.interpolate(position).coords[0]), "names": names})
        lines.append(_Line(number, waypoints, path, line_stops))
    street_names = iter(_stop_names(street_stops))
    for n, stop in enumerate(stops, start=1):
        stop["stop_id"] = f"BRK-B-{n:03d}"
        stop["names"] = stop["names"] or next(street_names)
        stop["lonlat"] = demo_city.lonlat(stop["xy"].reshape(1, 2))[0]

    start, end, exceptions = _service_days(year)
    tables: dict = {spec: [] for spec in (AGENCY, STOPS, ROUTES, TRIPS, STOP_TIMES, CALENDAR, CALENDAR_DATES)}
    tables |= {FREQUENCIES: [], SHAPES: [], FEED_INFO: [], TRANSLATIONS: []}
    tables[AGENCY].append(
        {
            "agency_id": AGENCY_ID,
            "agency_name": "Berkane bus",
            "agency_url": "https://bus.berkane.example",
            "agency_timezone": "Africa/Casablanca",
            "agency_lang": "ar",
        }
    )
    tables[FEED_INFO].append(
        {
            "feed_publisher_name": "Commune de Berkane (données de démonstration)",
            "feed_publisher_url": "https://berkane.example",
            "feed_lang": "fr",
            "default_lang": "ar",
            "feed_start_date": start,
            "feed_end_date": end,
            "feed_version": f"demo-{year}",
        }
    )
    for stop in stops:
        (lon, lat), (name_ar, name_fr) = stop["lonlat"], stop["names"]
        tables[STOPS].append(
            {"stop_id": stop["stop_id"], "stop_code": stop["stop_id"][-3:], "stop_name": name_fr, "stop_lat": lat}
            | {"stop_lon": lon, "location_type": 0, "wheelchair_boarding": 1}
        )
        tables[TRANSLATIONS] += [
            _translation("stops", "stop_name", language, text, stop["stop_id"])
            for language, text in (("ar", name_ar), ("fr", name_fr))
        ]
    for service, days in ((WEEKDAY, "1111100"), (WEEKEND, "0000011")):
        tables[CALENDAR].append(
            {"service_id": service, "start_date": start, "end_date": end}
            | {day: flag == "1" for day, flag in zip(WEEKDAYS, days, strict=True)}
        )
    tables[CALENDAR_DATES] = [{"service_id": s, "date": d, "exception_type": e} for s, d, e in exceptions]

    for line in lines:
        _add_line(tables, line, stops)
    return feed_zip(tables)


def _translation(table: str, field: str, language: str, text: str, record_id: str) -> dict:
    return {"table_name": table, "field_name": field, "language": language, "translation": text, "record_id": record_id}


def _add_line(tables: dict, line: _Line, stops: list[dict]) -> None:
    route_id = f"L{line.number}"
    first, last = line.waypoints[0], line.waypoints[-1]
    long_ar, long_fr = f"{first.name_ar} – {last.name_ar}", f"{first.name_fr} – {last.name_fr}"
    tables[ROUTES].append(
        {
            "route_id": route_id,
            "agency_id": AGENCY_ID,
            "route_short_name": str(line.number),
            "route_long_name": long_fr,
            "route_type": 3,
            "route_color": COLORS[line.number - 1],
            "route_text_color": "FFFFFF",
            "route_sort_order": line.number,
        }
    )
    tables[TRANSLATIONS] += [
        _translation("routes", "route_long_name", language, text, route_id)
        for language, text in (("ar", long_ar), ("fr", long_fr))
    ]
    distances = [line.path.project(shapely.Point(stops[s]["xy"])) for s in line.stops]
    length = line.path.length
    vertices = [line.path.interpolate(d) for d in np.linspace(0, length, max(2, math.ceil(length / SHAPE_STEP_M) + 1))]
    for direction in (0, 1):
        shape_id = f"{route_id}-{direction}"
        coords = demo_city.lonlat(np.asarray([v.coords[0] for v in vertices]))
        steps = np.linspace(0, length, len(vertices))
        if direction:
            coords, steps = coords[::-1], length - steps[::-1]
        tables[SHAPES] += [
            {
                "shape_id": shape_id,
                "shape_pt_lat": lat,
                "shape_pt_lon": lon,
                "shape_pt_sequence": n,
                "shape_dist_traveled": round(float(step), 1),
            }
            for n, ((lon, lat), step) in enumerate(zip(coords, steps, strict=True), start=1)
        ]
        calls = list(zip(line.stops, distances, strict=True))
        if direction:
            calls = [(s, length - d) for s, d in reversed(calls)]
        headsign = (last if direction == 0 else first).name_fr
        # Minutes after the trip's start at each stop, to the minute as on a printed timetable.
        offsets = [60 * round((d / SPEED_M_PER_S + k * DWELL_S) / 60) for k, (_s, d) in enumerate(calls)]
        for service in (WEEKDAY, WEEKEND):
            if line.number == 1:
                starts = [LINE1_WINDOWS[service][0][0]]
            else:
                begin, finish, every = TIMETABLE[service]
                starts = list(range(begin, finish + 1, every * 60))
                if line.number == 2 and service == WEEKDAY:
                    starts += NIGHT_BUSES
            for start in starts:
                trip_id = f"{route_id}-{service}-{direction}-{start // 3600:02d}{start // 60 % 60:02d}"
                tables[TRIPS].append(
                    {
                        "route_id": route_id,
                        "service_id": service,
                        "trip_id": trip_id,
                        "trip_headsign": headsign,
                        "direction_id": direction,
                        "shape_id": shape_id,
                        "wheelchair_accessible": 1,
                    }
                )
                tables[STOP_TIMES] += [
                    {
                        "trip_id": trip_id,
                        "arrival_time": start + offset,
                        "departure_time": start + offset,
                        "stop_id": stops[s]["stop_id"],
                        "stop_sequence": k + 1,
                        "shape_dist_traveled": round(d, 1),
                        "timepoint": 1,
                    }
                    for k, ((s, d), offset) in enumerate(zip(calls, offsets, strict=True))
                ]
                if line.number == 1:
                    tables[FREQUENCIES] += [
                        {"trip_id": trip_id, "start_time": a, "end_time": b, "headway_secs": h, "exact_times": 0}
                        for a, b, h in LINE1_WINDOWS[service]
                    ]


def _count(session: Session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def seed_transport(session: Session, *, today: date | None = None) -> DemoNetwork:
    """Make the demo network the network, unless an imported (not demo) one is in service or it already is."""
    current = session.scalar(select(TransitFeed).order_by(TransitFeed.id.desc()).limit(1))
    imported = (current is not None and not current.is_demo) or (
        current is None and session.scalar(select(Stop.id).limit(1)) is not None
    )
    written = False
    today = today or local(utcnow()).date()
    if not imported:
        districts = session.scalars(select(District).where(District.is_demo.is_(True)))
        data = generate(demo_city.areas(districts), today.year)
        if current is None or current.sha256 != hashlib.sha256(data).hexdigest():
            import_feed(session, data, source_name=SOURCE_NAME, is_demo=True)
            written = True
    return DemoNetwork(
        _count(session, Route),
        _count(session, Stop),
        _count(session, Trip),
        _count(session, StopTime),
        written,
        imported,
    )
