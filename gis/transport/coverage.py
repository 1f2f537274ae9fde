"""How well the buses serve each district on a day: how often each stop is served, and the share of each
district's area and people within walking distance (400 m) of a stop served often enough.

Service days: a trip counts on the service day its service runs, whatever its times. GTFS writes a Monday
trip leaving at 25:10:00 under Monday's service; it counts among Monday's departures, not Tuesday's, as the
operator's timetable for Monday lists it. Tuesday's figures hold Tuesday's service only.

A stop is served by a stop time where the bus stops for passengers: to let them on, off or both. A stop time
with neither (pickup_type and drop_off_type both 1) is a bus passing by and does not count. A trip listed in
frequencies.txt serves each of its stops once per run: a window [start_s, end_s) with headway h runs
ceil((end_s - start_s) / h) times.

People are taken to live evenly over their district: the population within walking distance is the district's
population times the share of its area within that distance.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, case, func, literal, or_, select, true
from sqlalchemy.orm import Session, aliased

from gis import spatial
from gis.districts.models import District
from gis.transport.calendar import active_services_statement
from gis.transport.models import Frequency, Stop, StopTime, Trip
from services.errors import Invalid

WALK_M = 400  # the usual walking distance to a bus stop (about five minutes)
DEFAULT_MIN_DEPARTURES = 20  # a bus about every 50 minutes from six in the morning to ten at night
MAX_MIN_DEPARTURES = 10_000  # one every nine seconds all day: more than any stop sees
NOT_AVAILABLE = 1  # GTFS pickup_type and drop_off_type: no pickup, no drop off
POLYGONS = 3  # ST_CollectionExtract's code for (multi)polygons


def departures_statement(day: date) -> Select:
    """A SELECT of (stop_id, departures): how many times buses stop for passengers at each stop on `day`.

    `stop_id` is the stop's integer key (Stop.id); stops not served that day have no row.
    """
    runs = func.coalesce(
        # Integer division on both engines: (d + h - 1) // h is the ceiling of d / h for positive integers.
        func.sum((Frequency.end_s - Frequency.start_s + Frequency.headway_s - 1) // Frequency.headway_s),
        1,
    )
    trip_runs = (
        select(Trip.id.label("trip_id"), runs.label("runs"))
        .outerjoin(Frequency, Frequency.trip_id == Trip.id)
        .where(Trip.service_id.in_(active_services_statement(day)))
        .group_by(Trip.id)
        .subquery("trip_runs")
    )
    stops_for_passengers = or_(
        StopTime.pickup_type.is_(None),
        StopTime.pickup_type != NOT_AVAILABLE,
        StopTime.drop_off_type.is_(None),
        StopTime.drop_off_type != NOT_AVAILABLE,
    )
    return (
        select(StopTime.stop_id.label("stop_id"), func.sum(trip_runs.c.runs).label("departures"))
        .join(trip_runs, trip_runs.c.trip_id == StopTime.trip_id)
        .where(stops_for_passengers)
        .group_by(StopTime.stop_id)
    )


def departures_per_stop(session: Session, day: date) -> dict[int, int]:
    """{Stop.id: departures on `day`} for every stop served that day."""
    return {stop_id: int(count) for stop_id, count in session.execute(departures_statement(day))}


@dataclass(frozen=True)
class DistrictCoverage:
    """One district's area and people within walking distance of a well-served stop."""

    district: District
    area_m2: float
    covered_m2: float
    stops_served: int  # stops inside the district served at least the minimum number of times
    covered_geojson: str | None  # the covered part of the district as GeoJSON geometry text; None when nothing

    @property
    def share(self) -> float:
        """The covered share of the district's area, from 0 to 1."""
        return min(self.covered_m2 / self.area_m2, 1.0) if self.area_m2 else 0.0

    @property
    def population(self) -> int:
        return self.district.population

    @property
    def population_covered(self) -> float:
        return self.district.population * self.share


@dataclass(frozen=True)
class CityCoverage:
    """Every district's coverage on a day, and the commune's totals."""

    day: date
    min_departures: int
    walk_m: float
    districts: list[DistrictCoverage]
    stops_served: int  # distinct stops served at least the minimum number of times, in any district

    @property
    def area_m2(self) -> float:
        return sum(row.area_m2 for row in self.districts)

    @property
    def covered_m2(self) -> float:
        return sum(row.covered_m2 for row in self.districts)

    @property
    def share(self) -> float:
        return min(self.covered_m2 / self.area_m2, 1.0) if self.area_m2 else 0.0

    @property
    def population(self) -> int:
        return sum(row.population for row in self.districts)

    @property
    def population_covered(self) -> float:
        return sum(row.population_covered for row in self.districts)

    @property
    def population_share(self) -> float:
        return self.population_covered / self.population if self.population else 0.0


def check_min_departures(value: int) -> int:
    if not 0 <= value <= MAX_MIN_DEPARTURES:
        raise Invalid("coverage_min_departures_invalid", field="min_departures", max=MAX_MIN_DEPARTURES)
    return value


def coverage_by_district(
    session: Session, day: date, *, min_departures: int = DEFAULT_MIN_DEPARTURES, walk_m: float = WALK_M
) -> CityCoverage:
    """Each district's area and population within `walk_m` metres of a stop served `min_departures` times on `day`.

    With `min_departures` 0 every stop counts, served that day or not.
    """
    check_min_departures(min_departures)
    departures = departures_statement(day).subquery("departures")
    # MATERIALIZED: the served stops and their buffers' union are computed once, not again per district.
    served = (
        select(Stop.id, Stop.geom)
        .outerjoin(departures, departures.c.stop_id == Stop.id)
        .where(Stop.location_type == 0, func.coalesce(departures.c.departures, 0) >= min_departures)
        .cte("served")
        .prefix_with("MATERIALIZED")
    )
    covered = (
        select(func.ST_Union(spatial.buffer_m(served.c.geom, walk_m)).label("geom"))
        .cte("covered")
        .prefix_with("MATERIALIZED")
    )
    inside = (
        select(
            District.id.label("district_id"),
            func.ST_CollectionExtract(func.ST_Intersection(District.geom, covered.c.geom), POLYGONS).label("geom"),
        )
        .join(covered, true())
        .cte("inside")
        .prefix_with("MATERIALIZED")
    )
    stops_inside = (
        select(func.count())
        .select_from(served)
        .where(spatial.intersects(District.geom, served.c.geom))
        .scalar_subquery()
        .correlate(District)
    )
    # Another name for the districts, so that this count is not tied to the row's district.
    any_district = aliased(District)
    in_some_district = (
        select(func.count())
        .select_from(served)
        .where(select(literal(1)).where(spatial.intersects(any_district.geom, served.c.geom)).exists())
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            District,
            spatial.area_m2(District.geom),
            func.coalesce(spatial.area_m2(inside.c.geom), 0.0),
            stops_inside,
            # An empty intersection is an empty geometry on one engine, NULL on the other: the map gets neither.
            case((func.ST_IsEmpty(inside.c.geom), None), else_=func.ST_AsGeoJSON(inside.c.geom, 6)),
            in_some_district,
        )
        .join(inside, inside.c.district_id == District.id)
        .order_by(District.name_fr, District.id)
    ).all()
    return CityCoverage(
        day=day,
        min_departures=min_departures,
        walk_m=walk_m,
        districts=[
            DistrictCoverage(district, float(area or 0.0), float(covered_m2), int(stops), geojson)
            for district, area, covered_m2, stops, geojson, _total in rows
        ],
        stops_served=int(rows[0][-1]) if rows else 0,
    )
