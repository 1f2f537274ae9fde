"""Sanitation queries: collection schedules, full containers, round order and dumping hotspots, on both engines."""

import itertools
import math
import random
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from gis import spatial
from gis.sanitation import hotspots, queries, rounds
from gis.sanitation.models import WasteContainer, Weekday
from services.clock import LOCAL_TZ
from services.errors import Invalid, NotFound
from tests.factories import make_container, make_depot, make_district, make_zone

LON, LAT = -2.32, 34.92
# Metres per degree around Berkane, close enough to place test points a few metres apart.
M_LAT = 110_950.0
M_LON = 111_320.0 * math.cos(math.radians(LAT))
# 2026-11-24 is a Tuesday; Morocco keeps UTC+0 then, and UTC+1 in July.
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def at_metres(east: float, north: float) -> tuple[float, float]:
    return LON + east / M_LON, LAT + north / M_LAT


def local_time(moment: datetime) -> tuple[str, str]:
    moment = moment.astimezone(LOCAL_TZ)
    return moment.strftime("%A %Y-%m-%d"), moment.strftime("%H:%M")


# --------------------------------------------------------------------------- collection schedules


def test_the_zone_of_a_point_is_the_one_that_contains_it(db):
    west = make_zone(db.session, bounds=(-2.34, 34.91, -2.32, 34.93))
    east = make_zone(db.session, bounds=(-2.32, 34.91, -2.30, 34.93))
    assert queries.zone_at(db.session, -2.33, 34.92).id == west.id
    assert queries.zone_at(db.session, -2.31, 34.92).id == east.id
    assert queries.zone_at(db.session, -2.20, 34.92) is None
    assert queries.schedule_at(db.session, -2.20, 34.92, TUESDAY_MORNING) is None


def test_the_schedule_of_a_point_lists_its_days_and_hours(db):
    make_zone(db.session, days="5,1,3", hours=("20:00", "23:30"), contractor="Ozone Environnement")
    schedule = queries.schedule_at(db.session, LON, LAT, TUESDAY_MORNING)
    assert schedule.zone.contractor == "Ozone Environnement"
    assert schedule.weekdays == (Weekday.MON, Weekday.WED, Weekday.FRI)
    assert (schedule.start, schedule.end) == (time(20, 0), time(23, 30))


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Tuesday morning: Wednesday evening is next.
        (TUESDAY_MORNING, ("Wednesday 2026-11-25", "20:00")),
        # Wednesday during the round: this one, still under way.
        (datetime(2026, 11, 25, 21, 0, tzinfo=UTC), ("Wednesday 2026-11-25", "20:00")),
        # Wednesday after the round: Friday.
        (datetime(2026, 11, 25, 23, 30, tzinfo=UTC), ("Friday 2026-11-27", "20:00")),
        # Saturday: over the weekend to Monday.
        (datetime(2026, 11, 28, 8, 0, tzinfo=UTC), ("Monday 2026-11-30", "20:00")),
        # 23:30 UTC on a Tuesday in July is already Wednesday 00:30 in Berkane (UTC+1): Wednesday is today.
        (datetime(2026, 7, 7, 23, 30, tzinfo=UTC), ("Wednesday 2026-07-08", "20:00")),
    ],
)
def test_the_next_collection_is_counted_from_todays_date_in_berkane(db, now, expected):
    zone = make_zone(db.session, days="1,3,5", hours=("20:00", "23:00"))
    collection = queries.next_collection(zone, now)
    assert local_time(collection.start) == expected
    assert local_time(collection.end)[1] == "23:00"


def test_a_collection_under_way_is_flagged(db):
    zone = make_zone(db.session, days="3", hours=("20:00", "23:00"))
    assert queries.schedule_of(zone, datetime(2026, 11, 25, 21, 0, tzinfo=UTC)).in_progress
    assert not queries.schedule_of(zone, TUESDAY_MORNING).in_progress


def test_a_zone_with_the_same_day_every_week_comes_back_a_week_later(db):
    zone = make_zone(db.session, days="2", hours=("06:00", "09:00"))
    collection = queries.next_collection(zone, datetime(2026, 11, 24, 9, 30, tzinfo=UTC))
    assert local_time(collection.start) == ("Tuesday 2026-12-01", "06:00")


def test_a_district_lists_the_zones_that_cover_it_the_largest_share_first(db):
    district = make_district(db.session, bounds=(-2.33, 34.91, -2.31, 34.93))
    most = make_zone(db.session, bounds=(-2.33, 34.91, -2.316, 34.93))  # 70 % of the district
    rest = make_zone(db.session, bounds=(-2.316, 34.91, -2.30, 34.93))  # the other 30 %, and beyond
    make_zone(db.session, bounds=(-2.35, 34.91, -2.33, 34.93))  # only touches the western edge
    schedules = queries.district_schedules(db.session, district.id, TUESDAY_MORNING)
    assert [s.zone.id for s in schedules] == [most.id, rest.id]
    assert [round(s.share, 2) for s in schedules] == [0.70, 0.30]


def test_an_unknown_district_is_not_found(db):
    with pytest.raises(NotFound) as error:
        queries.district_schedules(db.session, 999_999)
    assert error.value.code == "district_not_found"


# --------------------------------------------------------------------------- full containers


def test_containers_over_the_threshold_are_listed_fullest_first_with_stale_readings_flagged(db):
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    fresh = make_container(db.session, fill_level=85, fill_read_at=now - timedelta(hours=2))
    fullest = make_container(db.session, fill_level=100, fill_read_at=now - timedelta(hours=30))
    make_container(db.session, fill_level=79, fill_read_at=now)
    make_container(db.session, fill_level=None)
    found = queries.full_containers(db.session, threshold=80, now=now)
    assert [(f.container.id, f.stale) for f in found] == [(fullest.id, True), (fresh.id, False)]


def test_full_containers_can_be_limited_to_a_district(db):
    district = make_district(db.session)
    inside = make_container(db.session, fill_level=90, district_id=district.id)
    make_container(db.session, fill_level=95)
    found = queries.full_containers(db.session, threshold=80, district_id=district.id)
    assert [f.container.id for f in found] == [inside.id]


def test_a_threshold_outside_0_to_100_percent_is_refused(db):
    with pytest.raises(Invalid) as error:
        queries.full_containers(db.session, threshold=120)
    assert error.value.code == "fill_threshold_invalid"


# --------------------------------------------------------------------------- collection rounds


def test_containers_along_a_street_are_visited_in_their_order_along_it(db):
    # The depot stands 500 m north of the street's start; from a depot on the street itself, going out and back
    # would tie with orders that skip a container on the way out and take it on the way back.
    depot = make_depot(db.session, lon=LON, lat=at_metres(0, 500)[1])
    # Given out of order: 750, 250, 1000 and 500 m along the street.
    third, first, fourth, second = (
        make_container(db.session, lon=at_metres(m, 0)[0], lat=LAT) for m in (750, 250, 1000, 500)
    )
    plan = rounds.plan_round(db.session, depot.id, [third.id, first.id, fourth.id, second.id])
    order = [stop.container.id for stop in plan.stops]
    along = [first.id, second.id, third.id, fourth.id]
    assert order in (along, along[::-1])  # either way round is as short
    to_first, to_fourth = math.hypot(250, 500), math.hypot(1000, 500)
    assert plan.total_m == pytest.approx(to_first + 750 + to_fourth, rel=2e-3)
    legs = [stop.leg_m for stop in plan.stops] + [plan.return_m]
    expected = [to_first, 250, 250, 250, to_fourth]
    assert legs == pytest.approx(expected if order == along else expected[::-1], rel=2e-3)
    assert sum(stop.leg_m for stop in plan.stops) + plan.return_m == pytest.approx(plan.total_m)
    assert [round(stop.travelled_m) for stop in plan.stops][-1] == round(plan.total_m - plan.return_m)


def test_the_corners_of_a_square_are_visited_round_the_square_not_across_it(db):
    depot = make_depot(db.session, lon=LON, lat=LAT)  # the south-west corner
    north_west = make_container(db.session, lon=LON, lat=at_metres(0, 500)[1])
    south_east = make_container(db.session, lon=at_metres(500, 0)[0], lat=LAT)
    north_east = make_container(db.session, lon=at_metres(500, 0)[0], lat=at_metres(0, 500)[1])
    plan = rounds.plan_round(db.session, depot.id, [north_east.id, south_east.id, north_west.id])
    order = [stop.container.id for stop in plan.stops]
    around = [north_west.id, north_east.id, south_east.id]
    assert order in (around, around[::-1])
    assert plan.total_m == pytest.approx(2000, rel=0.01)  # four sides, no diagonal
    assert [stop.position for stop in plan.stops] == [1, 2, 3]


@pytest.mark.parametrize("seed", range(5))
def test_the_solver_finds_the_shortest_round_through_seven_random_points(seed):
    rng = random.Random(seed)
    places = [(rng.randint(0, 3000), rng.randint(0, 3000)) for _ in range(8)]  # the depot, then 7 containers
    matrix = [[round(math.dist(a, b)) for b in places] for a in places]
    best = min(rounds.round_length(matrix, order) for order in itertools.permutations(range(1, 8)))
    order = rounds.best_order(matrix)
    assert sorted(order) == list(range(1, 8))
    assert rounds.round_length(matrix, order) == best


def test_a_round_through_one_container_goes_there_and_back(db):
    depot = make_depot(db.session, lon=LON, lat=LAT)
    container = make_container(db.session, lon=at_metres(250, 0)[0], lat=LAT)
    plan = rounds.plan_round(db.session, depot.id, [container.id])
    assert [s.container.id for s in plan.stops] == [container.id]
    assert plan.total_m == pytest.approx(500, abs=1)


@pytest.mark.parametrize(
    ("containers", "code"),
    [
        ([], "round_empty"),
        ([999_999], "container_not_found"),
        (list(range(1, rounds.MAX_STOPS + 2)), "round_too_many_stops"),
    ],
)
def test_a_round_without_containers_or_with_unknown_or_too_many_is_refused(db, containers, code):
    depot = make_depot(db.session)
    with pytest.raises((Invalid, NotFound)) as error:
        rounds.plan_round(db.session, depot.id, containers)
    assert error.value.code == code


def test_a_round_from_an_unknown_depot_is_refused(db):
    container = make_container(db.session)
    with pytest.raises(NotFound) as error:
        rounds.plan_round(db.session, 999_999, [container.id])
    assert error.value.code == "depot_not_found"


# --------------------------------------------------------------------------- hotspots


def _points(db, spots, start=datetime(2026, 11, 1, tzinfo=UTC)):
    """Containers standing in for reported points: (east, north) metres from the centre, one hour apart."""
    made = []
    for i, (east, north) in enumerate(spots):
        lon, lat = at_metres(east, north)
        made.append(make_container(db.session, lon=lon, lat=lat, fill_read_at=start + timedelta(hours=i)))
    return made


def _source(ids):
    return select(WasteContainer.id, WasteContainer.geom.label("geom"), WasteContainer.fill_read_at.label("at")).where(
        WasteContainer.id.in_(ids)
    )


def test_reports_crowding_in_one_place_make_a_hotspot_and_scattered_ones_do_not(db):
    dump = _points(db, [(0, 0), (10, 5), (-8, 12), (15, -10), (3, -6)])  # five within 30 m
    chain = _points(db, [(1000, 0), (1040, 0), (1080, 0)])  # three 40 m apart: 80 m end to end
    pair = _points(db, [(-1000, 0), (-1020, 0)])  # two only
    lone = _points(db, [(0, 1000), (400, 1000), (0, -1000)])
    everything = [p.id for p in dump + chain + pair + lone]
    found = hotspots.hotspots(db.session, _source(everything), radius_m=50, min_points=3)
    assert [spot.count for spot in found] == [5, 3]
    biggest, chained = found
    assert (biggest.lon, biggest.lat) == pytest.approx(at_metres(4, 0.2), abs=1e-6)
    assert (chained.lon, chained.lat) == pytest.approx(at_metres(1040, 0), abs=1e-6)
    assert biggest.latest_id == dump[-1].id and chained.latest_id == chain[-1].id
    assert biggest.latest_at == dump[-1].fill_read_at


def test_a_smaller_radius_splits_a_chain_of_reports(db):
    chain = _points(db, [(0, 0), (10, 0), (20, 0), (120, 0), (130, 0), (140, 0)])
    found = hotspots.hotspots(db.session, _source([p.id for p in chain]), radius_m=50, min_points=3)
    assert [spot.count for spot in found] == [3, 3]
    wide = hotspots.hotspots(db.session, _source([p.id for p in chain]), radius_m=150, min_points=3)
    assert [spot.count for spot in wide] == [6]


def test_a_report_at_the_edge_of_a_hotspot_belongs_to_it(db):
    core = _points(db, [(0, 0), (5, 0), (0, 5)])
    edge = _points(db, [(52, 0)])  # within 50 m of one core point only: a border point
    found = hotspots.hotspots(db.session, _source([p.id for p in core + edge]), radius_m=50, min_points=3)
    assert [spot.count for spot in found] == [4]


@pytest.mark.parametrize(
    ("radius", "minimum", "code"), [(0, 3, "hotspot_radius_invalid"), (50, 1, "hotspot_min_reports_invalid")]
)
def test_impossible_hotspot_settings_are_refused(db, radius, minimum, code):
    with pytest.raises(Invalid) as error:
        hotspots.hotspots(db.session, _source([]), radius_m=radius, min_points=minimum)
    assert error.value.code == code


def _dbscan(points: dict[int, tuple[float, float]], eps: float, min_points: int):
    """A plain reference: core points, their clusters (sets of core ids), and each border point's possible clusters."""
    near = {i: {j for j, q in points.items() if math.dist(p, q) <= eps} for i, p in points.items()}
    core = {i for i, n in near.items() if len(n) >= min_points}
    clusters, seen = [], set()
    for start in sorted(core):
        if start in seen:
            continue
        todo, cluster = [start], set()
        while todo:
            i = todo.pop()
            if i not in cluster:
                cluster.add(i)
                todo.extend(j for j in near[i] if j in core and j not in cluster)
        seen |= cluster
        clusters.append(frozenset(cluster))
    borders = {i: {c for c in clusters if near[i] & c} for i in points if i not in core and near[i] & core}
    return set(clusters), borders


@pytest.mark.parametrize("seed", range(3))
def test_the_database_clusters_as_dbscan_does_on_random_reports(db, seed):
    from pyproj import Transformer

    rng = random.Random(seed)
    spots = [(rng.uniform(-600, 600), rng.uniform(-600, 600)) for _ in range(250)]
    for _ in range(3):  # and three crowded places
        cx, cy = rng.uniform(-500, 500), rng.uniform(-500, 500)
        spots += [(cx + rng.gauss(0, 15), cy + rng.gauss(0, 15)) for _ in range(40)]
    made = _points(db, spots)
    utm = Transformer.from_crs(4326, 32630, always_xy=True)
    projected = {}
    for container, (east, north) in zip(made, spots, strict=True):
        projected[container.id] = utm.transform(*at_metres(east, north))
    clusters, borders = _dbscan(projected, 40, 4)

    labels = spatial.density_clusters(_source(list(projected)), 40, 4)
    found: dict[object, set[int]] = {}
    for member, cluster in db.session.execute(select(labels.c.member, labels.c.cluster)):
        found.setdefault(cluster, set()).add(member)
    assert len(found) == len(clusters) > 3
    for members in found.values():
        core = frozenset(members - borders.keys())
        assert core in clusters
        assert all(core in borders[b] for b in members & borders.keys())
    assert sum(len(m) for m in found.values()) == sum(len(c) for c in clusters) + len(borders)
