"""The network as riders look it up: stops by name or code, stops near a point, the routes of a stop, a route's
stops in order for each direction, and its first and last departures of a day."""

import re
from dataclasses import dataclass
from datetime import date

from geoalchemy2.shape import to_shape
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, defer

from gis import spatial
from gis.districts.models import District
from gis.transport.calendar import active_services_statement
from gis.transport.models import Frequency, Route, Stop, StopTime, Trip

NEAR_METRES = 500.0
NEAR_LIMIT = 30
SEARCH_LIMIT = 50
SEARCH_MAX = 100
BOARDING = 0  # GTFS location_type of a stop or platform, where buses stop


def stop_name(stop: Stop, language: str) -> str:
    """The stop's name in `language` (ar or fr), else the other one, else the feed's own."""
    other = "fr" if language == "ar" else "ar"
    return getattr(stop, f"name_{language}", None) or stop.name or getattr(stop, f"name_{other}", None) or stop.stop_id


def route_name(route: Route, language: str) -> str:
    other = "fr" if language == "ar" else "ar"
    return (
        getattr(route, f"long_name_{language}", None) or route.long_name or getattr(route, f"long_name_{other}") or ""
    )


def asset_code(stop: Stop) -> str:
    """The reference of the stop in reports: the code on its sign, or its stop_id when it has none."""
    return stop.code or stop.stop_id


def get_stop(session: Session, stop_id: str) -> Stop | None:
    return session.scalar(select(Stop).where(Stop.stop_id == stop_id))


def get_route(session: Session, route_id: str) -> Route | None:
    return session.scalar(select(Route).where(Route.route_id == route_id))


def list_routes(session: Session) -> list[Route]:
    """Every route, in the feed's order (route_sort_order), then by short name as riders read it.

    Lists of routes load without their lines (deferred): a network's lines weigh more than the rest of a page.
    """
    routes = session.scalars(select(Route).options(defer(Route.geom))).all()
    return sorted(routes, key=_route_order)


def _route_order(route: Route) -> tuple:
    return (route.sort_order is None, route.sort_order or 0, _natural(route.short_name or route.route_id))


def _natural(text: str) -> tuple:
    """'2' before '10', '10' before '10N', numbers before names."""
    number = re.match(r"\d+", text)
    return (int(number.group()) if number else float("inf"), text)


# --------------------------------------------------------------------------- finding stops


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_stops(session: Session, text: str, limit: int = SEARCH_LIMIT) -> list[Stop]:
    """Stops whose code is `text`, then those whose name (in any language) or code contains it."""
    text = " ".join((text or "").split())[:SEARCH_MAX]
    if not text:
        return []
    pattern = f"%{_escape_like(text.lower())}%"
    names = (Stop.name, Stop.name_ar, Stop.name_fr, Stop.code)
    exact = func.lower(func.coalesce(Stop.code, "")) == text.lower()
    query = (
        select(Stop)
        .where(Stop.location_type == BOARDING, or_(*(func.lower(c).like(pattern, escape="\\") for c in names)))
        .order_by(exact.desc(), Stop.name, Stop.id)
        .limit(limit)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class NearStop:
    stop: Stop
    distance_m: float | None  # as the crow flies, from the point asked about


def stops_near(
    session: Session, lon: float, lat: float, within_m: float = NEAR_METRES, limit: int = NEAR_LIMIT
) -> list[NearStop]:
    """Stops within `within_m` metres of (lon, lat), nearest first (spatial index, then exact distance)."""
    distance = spatial.distance_m(Stop.geom, lon, lat)
    rows = session.execute(
        select(Stop, distance)
        .where(Stop.location_type == BOARDING, spatial.within_m(Stop.geom, lon, lat, within_m))
        .order_by(distance, Stop.id)
        .limit(limit)
    ).all()
    return [NearStop(stop, float(metres)) for stop, metres in rows]


def stops_in_district(session: Session, district: District) -> list[Stop]:
    """The stops inside a district (the spatial index narrows to its box, the exact test is shapely's)."""
    shape = to_shape(district.geom)
    candidates = session.scalars(
        select(Stop).where(Stop.location_type == BOARDING, spatial.within_bbox(Stop.geom, *shape.bounds))
    )
    return [s for s in candidates if shape.intersects(to_shape(s.geom))]


def routes_at(session: Session, stop: Stop) -> list[Route]:
    """The routes whose trips stop at `stop`."""
    serving = select(Trip.route_id).select_from(StopTime).join(Trip, Trip.id == StopTime.trip_id)
    query = select(Route).options(defer(Route.geom)).where(Route.id.in_(serving.where(StopTime.stop_id == stop.id)))
    return sorted(session.scalars(query), key=_route_order)


# --------------------------------------------------------------------------- a route


@dataclass(frozen=True)
class Direction:
    direction_id: int | None
    headsign: str | None  # the most common headsign of its trips
    stops: list[Stop]  # in order, along its longest trip
    first_s: int | None  # the first and last trips' departure from their first stop on the day asked, in feed seconds
    last_s: int | None


def route_directions(session: Session, route: Route, day: date) -> list[Direction]:
    """Each direction of `route`: its stops in order (along the trip with the most stops), its headsign, and the
    first and last departures of the trips running on service day `day` (frequency-based trips repeated)."""
    stop_count = func.count(StopTime.id)
    trips = session.execute(
        select(Trip.id, Trip.direction_id, Trip.headsign, Trip.service_id, stop_count, func.min(StopTime.departure_s))
        .join(StopTime, StopTime.trip_id == Trip.id)
        .where(Trip.route_id == route.id)
        .group_by(Trip.id, Trip.direction_id, Trip.headsign, Trip.service_id)
    ).all()
    if not trips:
        return []
    running = set(
        session.scalars(
            select(Trip.id).where(Trip.route_id == route.id, Trip.service_id.in_(active_services_statement(day)))
        )
    )
    repeats: dict[int, list[tuple[int, int, int]]] = {}
    for trip_pk, start, end, headway in session.execute(
        select(Frequency.trip_id, Frequency.start_s, Frequency.end_s, Frequency.headway_s)
        .join(Trip, Trip.id == Frequency.trip_id)
        .where(Trip.route_id == route.id)
    ):
        repeats.setdefault(trip_pk, []).append((start, end, headway))

    directions = []
    for direction in sorted({t.direction_id for t in trips}, key=lambda d: (d is None, d or 0)):
        own = [t for t in trips if t.direction_id == direction]
        longest = max(own, key=lambda t: (t[4], -t[0]))
        headsigns = [t.headsign for t in own if t.headsign]
        starts = []
        for trip_pk, *_rest, first in own:
            if trip_pk not in running:
                continue
            if trip_pk in repeats:
                for start, end, headway in repeats[trip_pk]:
                    starts += [start, start + (end - 1 - start) // headway * headway]
            elif first is not None:
                starts.append(first)
        stops = session.scalars(
            select(Stop)
            .join(StopTime, StopTime.stop_id == Stop.id)
            .where(StopTime.trip_id == longest[0])
            .order_by(StopTime.stop_sequence)
        ).all()
        directions.append(
            Direction(
                direction_id=direction,
                headsign=max(set(headsigns), key=headsigns.count) if headsigns else None,
                stops=list(stops),
                first_s=min(starts) if starts else None,
                last_s=max(starts) if starts else None,
            )
        )
    return directions
