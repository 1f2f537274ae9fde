"""The demo city's map layers: reproducible, inside the districts, and consistent with one another."""

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
import shapely
from geoalchemy2.shape import to_shape
from shapely.geometry import LineString, Point
from sqlalchemy import func, select

from gis import demo_city, spatial
from gis.demo_city import DemoLayerInUse
from gis.districts import demo as district_demo
from gis.districts.models import District
from gis.lighting import demo as lighting_demo
from gis.lighting.cabinets import periods
from gis.lighting.energy import Load, month_consumption
from gis.lighting.models import Cabinet, LightMaintenance, LightPoint, MeterReading, Street
from gis.sanitation import demo as sanitation_demo
from gis.sanitation.models import CollectionRoute, CollectionZone, Depot, WasteContainer
from services.demo import seed_city, seed_districts
from tests.factories import make_container, make_light

NOW = datetime(2026, 3, 15, 10, 30, tzinfo=UTC)
LIGHTS, CONTAINERS = 1200, 240


def _areas():
    found = sorted(district_demo.generate(), key=lambda d: d.code)
    return [demo_city.Area(n, d.code, d.name_ar, d.name_fr, d.geometry) for n, d in enumerate(found, start=1)]


@pytest.fixture
def districts(db):
    seed_districts(db.session)
    return list(db.session.scalars(select(District).where(District.is_demo.is_(True)).order_by(District.code)))


@pytest.fixture
def city(db, districts):
    return seed_city(db.session, lights=LIGHTS, containers=CONTAINERS, now=NOW)


def _demo(db, model):
    return list(db.session.scalars(select(model).where(model.is_demo.is_(True)).order_by(model.code)))


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _snapshot(db) -> list[tuple]:
    lights = [
        (x.code, x.technology, x.power_w, x.pole_height_m, x.status, *to_shape(x.geom).coords[0])
        for x in _demo(db, LightPoint)
    ]
    bins = [
        (c.code, c.kind, c.capacity_l, c.fill_level, *to_shape(c.geom).coords[0]) for c in _demo(db, WasteContainer)
    ]
    return lights + bins


# --------------------------------------------------------------------------- generation alone


def test_the_same_seed_and_counts_give_the_same_layers():
    areas = _areas()
    first = lighting_demo.generate(areas, lights=800, now=NOW)
    again = lighting_demo.generate(areas, lights=800, now=NOW)
    assert first == again
    bins = sanitation_demo.generate(areas, first.streets, containers=150, now=NOW)
    assert bins == sanitation_demo.generate(areas, again.streets, containers=150, now=NOW)

    other_seed = lighting_demo.generate(areas, lights=800, seed=7, now=NOW)
    assert [x.code for x in other_seed.lights] == [x.code for x in first.lights]
    assert [(x.lon, x.lat) for x in other_seed.lights] != [(x.lon, x.lat) for x in first.lights]


def test_codes_are_those_printed_on_poles_cabinets_and_bins():
    areas = _areas()
    lit = lighting_demo.generate(areas, lights=500, now=NOW)
    bins = sanitation_demo.generate(areas, lit.streets, containers=120, now=NOW)
    assert [x.code for x in lit.lights] == [f"BRK-L-{n:06d}" for n in range(1, 501)]
    assert [c.code for c in lit.cabinets] == [f"BRK-CAB-{n:04d}" for n in range(1, len(lit.cabinets) + 1)]
    assert [c.code for c in bins.containers] == [f"BRK-C-{n:05d}" for n in range(1, 121)]
    assert all(re.fullmatch(r"BRK-S-\d{4}", s.code) for s in lit.streets)


def test_no_lights_and_no_containers_still_give_streets_zones_routes_and_a_depot():
    areas = _areas()
    lit = lighting_demo.generate(areas, lights=0, now=NOW)
    bins = sanitation_demo.generate(areas, lit.streets, containers=0, now=NOW)
    assert lit.lights == lit.cabinets == lit.readings == ()
    assert lit.streets and bins.containers == ()
    assert len(bins.routes) == len(bins.zones) > 0 and len(bins.depots) == 1


@pytest.mark.parametrize("now", [datetime(2026, 1, 1, 6, tzinfo=UTC), datetime(2026, 7, 31, 22, tzinfo=UTC)])
def test_the_last_meter_round_is_never_in_the_future(now):
    lit = lighting_demo.generate(_areas(), lights=300, now=now)
    latest = max(r.read_at for r in lit.readings)
    assert now - timedelta(days=32) < latest <= now


def test_counts_beyond_the_limits_are_refused():
    with pytest.raises(ValueError):
        lighting_demo.generate(_areas(), lights=lighting_demo.MAX_LIGHTS + 1, now=NOW)
    with pytest.raises(ValueError):
        sanitation_demo.generate(_areas(), (), containers=-1, now=NOW)


def test_streets_have_arabic_and_french_names_numbered_where_the_names_run_out():
    lit = lighting_demo.generate(_areas(), lights=20_000, now=NOW)
    names = {(s.name_ar, s.name_fr) for s in lit.streets}
    assert ("شارع محمد الخامس", "Boulevard Mohammed V") in names
    assert any(fr.startswith("Rue ") and ar.startswith("زنقة ") and fr[4:].isdigit() for ar, fr in names)
    assert all(re.search(r"[\u0600-\u06ff]", ar) and fr for ar, fr in names)


def test_poles_stand_25_to_35_metres_apart_along_their_street():
    lit = lighting_demo.generate(_areas(), lights=3000, now=NOW)
    lines = {s.code: LineString(demo_city.metres(s.coords)) for s in lit.streets}
    along: dict[str, list[float]] = {}
    for light in lit.lights:
        spot = Point(demo_city.metres([(light.lon, light.lat)])[0])
        along.setdefault(light.street_code, []).append(lines[light.street_code].project(spot))
    gaps = sorted(b - a for spots in along.values() for a, b in pairwise(sorted(spots)))
    assert 25 <= gaps[len(gaps) // 2] <= 35
    assert gaps[len(gaps) // 20] >= 20 and gaps[-len(gaps) // 20] <= 40


# --------------------------------------------------------------------------- in the database


def test_seeding_writes_exactly_the_counts_asked_with_unique_codes(db, city):
    assert city.lighting_written and city.sanitation_written
    assert _count(db, LightPoint, LightPoint.is_demo.is_(True)) == LIGHTS
    assert _count(db, WasteContainer, WasteContainer.is_demo.is_(True)) == CONTAINERS
    for model in (LightPoint, WasteContainer, Cabinet, Street):
        assert db.session.scalar(select(func.count(func.distinct(model.code)))) == _count(db, model)
    assert _count(db, Cabinet) == city.cabinets and _count(db, Street) == city.streets
    assert _count(db, MeterReading) == city.readings == 13 * city.cabinets
    assert _count(db, CollectionZone) == _count(db, CollectionRoute) == city.zones
    assert _count(db, Depot) == 1


def test_every_light_stands_in_its_district_within_a_few_metres_of_its_street(db, city):
    outside = _count(
        db,
        LightPoint,
        LightPoint.district_id == District.id,
        ~spatial.intersects(District.geom, LightPoint.geom),
    )
    assert outside == 0
    farthest = db.session.scalar(
        select(func.max(spatial.DistanceMetres(LightPoint.geom, Street.geom))).join(
            Street, Street.id == LightPoint.street_id
        )
    )
    assert farthest < 8
    assert _count(db, LightPoint, LightPoint.street_id == Street.id, LightPoint.district_id != Street.district_id) == 0


def test_nothing_lies_outside_the_district_polygons(db, city):
    shapes = {d.id: to_shape(d.geom) for d in db.session.scalars(select(District))}
    town = shapely.union_all(list(shapes.values())).buffer(1e-7)
    for model in (Street, Cabinet, WasteContainer):
        for row in _demo(db, model):
            assert shapes[row.district_id].contains(to_shape(row.geom)), row.code
    for model in (CollectionRoute, Depot, CollectionZone):
        for row in _demo(db, model):
            assert town.covers(to_shape(row.geom)), row.code


def test_cabinets_power_the_nearby_lights_of_their_own_district(db, city):
    per_cabinet = dict(
        db.session.execute(
            select(LightPoint.cabinet_id, func.count())
            .where(LightPoint.is_demo.is_(True))
            .group_by(LightPoint.cabinet_id)
        ).all()
    )
    cabinets = _demo(db, Cabinet)
    assert None not in per_cabinet
    assert set(per_cabinet) == {c.id for c in cabinets}
    sizes = sorted(per_cabinet.values())
    assert sizes[-1] <= 110 and 55 <= sizes[len(sizes) // 2] <= 85  # a district with few lights has a small circuit
    assert (
        _count(db, LightPoint, LightPoint.cabinet_id == Cabinet.id, LightPoint.district_id != Cabinet.district_id) == 0
    )
    farthest = db.session.scalar(
        select(func.max(spatial.DistanceMetres(LightPoint.geom, Cabinet.geom))).join(
            Cabinet, Cabinet.id == LightPoint.cabinet_id
        )
    )
    assert farthest < 1500
    dimmed = [c for c in cabinets if c.dimming]
    assert 0.2 <= len(dimmed) / len(cabinets) <= 0.8
    assert all(lighting_demo.schedule(c.dimming) for c in dimmed)


def test_meter_readings_rise_each_month_by_what_the_cabinets_lamps_burned(db, city):
    for cabinet in _demo(db, Cabinet)[:6]:
        readings = sorted(cabinet.readings, key=lambda r: r.read_at)
        assert len(readings) == 13
        assert all(b.index_kwh > a.index_kwh for a, b in pairwise(readings))
        watts = db.session.execute(
            select(LightPoint.power_w, func.count())
            .where(LightPoint.cabinet_id == cabinet.id)
            .group_by(LightPoint.power_w)
        ).all()
        loads = [Load(count, power, lighting_demo.schedule(cabinet.dimming)) for power, count in watts]
        for (year, month), (start, end) in zip(lighting_demo.reading_months(NOW), pairwise(readings), strict=True):
            expected = month_consumption(year, month, loads, tariff_mad_per_kwh=1, co2_kg_per_kwh=1).kwh
            assert float(end.index_kwh - start.index_kwh) == pytest.approx(expected, abs=0.2)
        # The cabinet's page sets the same readings against its lamps: no gap.
        assert all(abs(p.gap) < 0.001 for p in periods(db.session, cabinet))


def test_lamps_are_a_plausible_mix_with_a_few_faults(db, city):
    lights = _demo(db, LightPoint)
    share = Counter(x.technology for x in lights)
    assert share["led"] / LIGHTS == pytest.approx(0.35, abs=0.07)
    assert share["hps"] / LIGHTS == pytest.approx(0.50, abs=0.07)
    assert share["metal_halide"] / LIGHTS == pytest.approx(0.15, abs=0.05)
    ranges = {"led": (40, 100), "hps": (100, 250), "metal_halide": (150, 250)}
    assert all(ranges[x.technology][0] <= x.power_w <= ranges[x.technology][1] for x in lights)
    assert all(6 <= x.pole_height_m <= 12 for x in lights)
    assert all(x.installed_on < NOW.date() for x in lights)
    faulty = [x for x in lights if x.status != "working"]
    assert 0.01 <= len(faulty) / LIGHTS <= 0.06
    assert all(x.status_changed_at is not None for x in faulty)
    assert _count(db, LightMaintenance) > LIGHTS / 2  # an upkeep history to show and to time repairs on


def test_containers_have_kinds_capacities_and_half_of_them_a_recent_fill_reading(db, city):
    bins = _demo(db, WasteContainer)
    assert {c.kind for c in bins} == {"household", "recycling", "glass", "green"}
    assert {c.capacity_l for c in bins} <= {240, 660, 1100, 5000}
    sensed = [c for c in bins if c.fill_level is not None]
    assert 0.35 <= len(sensed) / CONTAINERS <= 0.65
    assert all(0 <= c.fill_level <= 100 for c in sensed)
    assert all(NOW - timedelta(days=1) <= c.fill_read_at.replace(tzinfo=UTC) <= NOW for c in sensed)
    assert all(c.fill_read_at is None for c in bins if c.fill_level is None)


def test_zones_cover_the_districts_and_each_route_runs_inside_its_zone_past_its_containers(db, city):
    districts = [to_shape(d.geom) for d in db.session.scalars(select(District))]
    zones = {z.id: z for z in _demo(db, CollectionZone)}
    shapes = {z.id: to_shape(z.geom) for z in zones.values()}
    covered = shapely.union_all(list(shapes.values()))
    assert all(d.difference(covered).area < 1e-10 for d in districts)  # about a square metre
    assert sum(s.area for s in shapes.values()) == pytest.approx(covered.area, rel=1e-9)  # no overlaps
    for zone in zones.values():
        assert zone.start_time < zone.end_time and zone.weekdays
    routes = _demo(db, CollectionRoute)
    assert sorted(r.zone_id for r in routes) == sorted(zones)
    for route in routes:
        line = demo_city.to_metres(to_shape(route.geom))
        assert shapes[route.zone_id].buffer(1e-7).covers(to_shape(route.geom)), route.code
        for container in _demo(db, WasteContainer):
            spot = to_shape(container.geom)
            if shapes[route.zone_id].contains(spot):
                assert line.distance(demo_city.to_metres(spot)) < 5, (route.code, container.code)


def test_the_depot_stands_near_the_edge_of_town(db, city):
    depot = to_shape(_demo(db, Depot)[0].geom)
    town = shapely.union_all([to_shape(d.geom) for d in db.session.scalars(select(District))])
    edge = demo_city.to_metres(town.boundary)
    assert town.contains(depot)
    assert edge.distance(demo_city.to_metres(depot)) < 600


# --------------------------------------------------------------------------- seeding again


def test_seeding_again_with_the_same_counts_changes_nothing(db, city):
    light = _demo(db, LightPoint)[0]
    light.status = "out"  # a citizen's report since
    db.session.flush()
    before = _snapshot(db), {c.code: c.id for c in _demo(db, Cabinet)}
    again = seed_city(db.session, lights=LIGHTS, containers=CONTAINERS, now=NOW + timedelta(days=3))
    assert not again.lighting_written and not again.sanitation_written
    db.session.expire_all()
    assert (_snapshot(db), {c.code: c.id for c in _demo(db, Cabinet)}) == before


def test_other_counts_replace_the_demo_layers_and_nothing_else(db, city):
    original = _snapshot(db)
    kept_light = make_light(db.session, code="EP-0001")
    kept_bin = make_container(db.session, code="BAC-0001")
    smaller = seed_city(db.session, lights=300, containers=50, now=NOW)
    assert smaller.lighting_written and smaller.sanitation_written
    assert _count(db, LightPoint, LightPoint.is_demo.is_(True)) == 300
    assert _count(db, WasteContainer, WasteContainer.is_demo.is_(True)) == 50
    assert _count(db, LightPoint, LightPoint.is_demo.is_(False)) == 1
    assert _count(db, WasteContainer, WasteContainer.is_demo.is_(False)) == 1
    assert db.session.get(LightPoint, kept_light.id).code == "EP-0001"
    assert db.session.get(WasteContainer, kept_bin.id).code == "BAC-0001"
    seed_city(db.session, lights=LIGHTS, containers=CONTAINERS, now=NOW)
    db.session.expire_all()
    assert _snapshot(db) == original


def test_a_real_light_hung_on_a_demo_cabinet_stops_the_replacement(db, city):
    make_light(db.session, code="EP-0002", cabinet_id=_demo(db, Cabinet)[0].id)
    with pytest.raises(DemoLayerInUse, match=r"lights that are not demo data \(1\)"):
        seed_city(db.session, lights=100, containers=CONTAINERS, now=NOW)


def test_seeding_needs_the_demo_districts(db):
    with pytest.raises(ValueError, match="demo districts"):
        seed_city(db.session, lights=10, containers=10, now=NOW)
