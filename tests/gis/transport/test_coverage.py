"""Bus coverage: how often each stop is served on a day, and the share of each district within 400 m of a stop
served often enough, checked against figures worked out by hand."""

import json
import math
from datetime import date

import pytest
from shapely.geometry import shape
from sqlalchemy import select

from gis import spatial
from gis.districts.models import District
from gis.transport.coverage import coverage_by_district, departures_per_stop
from gis.transport.models import Frequency, Stop, StopTime
from services.errors import Invalid
from tests.factories import make_calendar, make_calendar_date, make_district, make_route, make_stop, make_trip

MONDAY = date(2026, 11, 23)
TUESDAY = date(2026, 11, 24)
DISC = math.pi * 400**2  # m², the area within 400 m of a point
# A district about 1.8 km by 2.2 km; its centre is more than 900 m from every edge.
WEST, SOUTH, EAST, NORTH = -2.33, 34.91, -2.31, 34.93
CENTRE = (-2.32, 34.92)


def serve(session, stop, times: int, service_id: str = "WK"):
    """`times` trips of `service_id` stopping at `stop`, hour after hour from 05:00."""
    route = make_route(session)
    for n in range(times):
        make_trip(session, route, service_id, stops=[stop], times=[f"{5 + n % 19:02d}:{n // 19:02d}:00"])


def figures(session, **options):
    return {row.district.code: row for row in coverage_by_district(session, MONDAY, **options).districts}


def test_a_stop_counts_every_trip_of_the_services_running_that_day(db):
    make_calendar(db.session, "WK", "1111100")
    make_calendar(db.session, "WE", "0000011")
    stop = make_stop(db.session)
    serve(db.session, stop, 3, "WK")
    serve(db.session, stop, 2, "WE")
    assert departures_per_stop(db.session, MONDAY) == {stop.id: 3}
    assert departures_per_stop(db.session, date(2026, 11, 28)) == {stop.id: 2}


def test_a_frequency_window_counts_each_departure_it_expands_to(db):
    make_calendar(db.session, "WK", "1111100")
    first, second = make_stop(db.session), make_stop(db.session, lon=-2.321)
    trip = make_trip(db.session, service_id="WK", stops=[first, second], times=["00:00:00", "00:05:00"])
    db.session.add_all(
        [
            # 06:00 to 07:00 every 10 minutes: 06:00, 06:10, ... 06:50, six departures.
            Frequency(trip_id=trip.id, start_s=6 * 3600, end_s=7 * 3600, headway_s=600),
            # 17:00 to 17:25 every 10 minutes: 17:00, 17:10, 17:20, three (the ceiling of 2.5).
            Frequency(trip_id=trip.id, start_s=17 * 3600, end_s=17 * 3600 + 1500, headway_s=600),
        ]
    )
    db.session.flush()
    assert departures_per_stop(db.session, MONDAY) == {first.id: 9, second.id: 9}


def test_a_removed_calendar_date_removes_the_service_and_its_departures(db):
    make_calendar(db.session, "WK", "1111100")
    make_district(db.session, code="centre", bounds=(WEST, SOUTH, EAST, NORTH))
    serve(db.session, make_stop(db.session, *CENTRE), 20)
    make_calendar_date(db.session, "WK", MONDAY, 2)
    assert departures_per_stop(db.session, MONDAY) == {}
    assert figures(db.session, min_departures=1)["centre"].covered_m2 == 0


def test_times_past_midnight_count_on_the_service_day_they_are_listed_under(db):
    make_calendar(db.session, "MON", "1000000")
    stop = make_stop(db.session)
    make_trip(db.session, service_id="MON", stops=[stop], times=["25:10:00"])
    assert departures_per_stop(db.session, MONDAY) == {stop.id: 1}
    assert departures_per_stop(db.session, TUESDAY) == {}


def test_a_bus_passing_a_stop_without_letting_anyone_on_or_off_does_not_serve_it(db):
    make_calendar(db.session, "WK", "1111100")
    served, passed = make_stop(db.session), make_stop(db.session, lon=-2.321)
    trip = make_trip(db.session, service_id="WK", stops=[served, passed], times=["08:00:00", "08:05:00"])
    for stop_time in db.session.scalars(select(StopTime).where(StopTime.trip_id == trip.id)):
        if stop_time.stop_id == passed.id:
            stop_time.pickup_type, stop_time.drop_off_type = 1, 1
    db.session.flush()
    assert departures_per_stop(db.session, MONDAY) == {served.id: 1}


def test_a_stop_in_the_middle_of_a_district_covers_a_400_m_disc_and_its_share_of_the_people(db):
    make_calendar(db.session, "WK", "1111100")
    district = make_district(db.session, code="centre", bounds=(WEST, SOUTH, EAST, NORTH), population=12_000)
    serve(db.session, make_stop(db.session, *CENTRE), 20)
    row = figures(db.session)["centre"]
    area = db.session.scalar(select(spatial.area_m2(District.geom)).where(District.id == district.id))
    assert row.covered_m2 == pytest.approx(DISC, rel=0.01)
    assert row.area_m2 == pytest.approx(area)
    assert row.share == pytest.approx(DISC / area, rel=0.01)
    assert row.population_covered == pytest.approx(12_000 * DISC / area, rel=0.01)
    assert row.stops_served == 1
    covered = shape(json.loads(row.covered_geojson))
    assert covered.contains(shape({"type": "Point", "coordinates": CENTRE}))
    assert covered.bounds[0] > WEST and covered.bounds[2] < EAST


def test_a_stop_served_one_time_too_few_does_not_count(db):
    make_calendar(db.session, "WK", "1111100")
    make_district(db.session, code="centre", bounds=(WEST, SOUTH, EAST, NORTH))
    serve(db.session, make_stop(db.session, *CENTRE), 19)
    row = figures(db.session, min_departures=20)["centre"]
    assert (row.covered_m2, row.share, row.population_covered, row.stops_served) == (0, 0, 0, 0)
    assert row.covered_geojson is None
    assert figures(db.session, min_departures=19)["centre"].covered_m2 == pytest.approx(DISC, rel=0.01)


def test_a_stop_on_the_border_covers_half_a_disc_on_each_side(db):
    make_calendar(db.session, "WK", "1111100")
    make_district(db.session, code="west", bounds=(WEST, SOUTH, EAST, NORTH), population=1000)
    make_district(db.session, code="east", bounds=(EAST, SOUTH, EAST + 0.02, NORTH), population=1000)
    serve(db.session, make_stop(db.session, EAST, CENTRE[1]), 20)
    coverage = coverage_by_district(db.session, MONDAY)
    rows = {row.district.code: row for row in coverage.districts}
    assert rows["west"].covered_m2 == pytest.approx(DISC / 2, rel=0.01)
    assert rows["east"].covered_m2 == pytest.approx(DISC / 2, rel=0.01)
    assert coverage.covered_m2 == pytest.approx(DISC, rel=0.01)
    # The stop is counted in both districts' rows, but once in the commune's.
    assert (rows["west"].stops_served, rows["east"].stops_served, coverage.stops_served) == (1, 1, 1)


def test_overlapping_walking_distances_are_counted_once(db):
    make_calendar(db.session, "WK", "1111100")
    make_district(db.session, code="centre", bounds=(WEST, SOUTH, EAST, NORTH))
    a = make_stop(db.session, *CENTRE)
    b = make_stop(db.session, CENTRE[0], CENTRE[1] + 0.0036)  # about 400 m north
    twin = make_stop(db.session, *CENTRE)  # a second pole at the same place
    for stop in (a, b, twin):
        serve(db.session, stop, 20)
    d = db.session.scalar(select(spatial.distance_m(Stop.geom, *CENTRE)).where(Stop.id == b.id))
    r = 400
    lens = 2 * r * r * math.acos(d / (2 * r)) - d / 2 * math.sqrt(4 * r * r - d * d)
    assert figures(db.session)["centre"].covered_m2 == pytest.approx(2 * DISC - lens, rel=0.01)


def test_a_district_far_from_every_stop_has_nothing_covered(db):
    make_calendar(db.session, "WK", "1111100")
    make_district(db.session, code="centre", bounds=(WEST, SOUTH, EAST, NORTH))
    make_district(db.session, code="far", bounds=(WEST, NORTH + 0.01, EAST, NORTH + 0.03), population=5000)
    serve(db.session, make_stop(db.session, *CENTRE), 20)
    coverage = coverage_by_district(db.session, MONDAY)
    far = {row.district.code: row for row in coverage.districts}["far"]
    assert (far.covered_m2, far.share, far.population_covered, far.stops_served) == (0, 0, 0, 0)
    assert far.covered_geojson is None
    assert coverage.population == 15_000
    assert coverage.population_covered == pytest.approx(10_000 * DISC / coverage.districts[0].area_m2, rel=0.01)


def test_with_no_minimum_every_stop_counts_even_one_not_served_that_day(db):
    make_district(db.session, code="centre", bounds=(WEST, SOUTH, EAST, NORTH))
    make_stop(db.session, *CENTRE)
    assert figures(db.session, min_departures=0)["centre"].covered_m2 == pytest.approx(DISC, rel=0.01)
    assert figures(db.session, min_departures=1)["centre"].covered_m2 == 0


def test_a_negative_minimum_is_refused(db):
    with pytest.raises(Invalid) as error:
        coverage_by_district(db.session, MONDAY, min_departures=-1)
    assert (error.value.code, error.value.field) == ("coverage_min_departures_invalid", "min_departures")
