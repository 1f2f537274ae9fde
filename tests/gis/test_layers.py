"""The map's layers give the same features, pages and clusters on PostGIS and SpatiaLite."""

import json
import math
from datetime import UTC, datetime, time

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import LineString, MultiPolygon, box

from gis import layers
from gis.lighting.models import Street
from gis.sanitation.models import CollectionRoute, CollectionZone
from services.errors import Invalid, NotFound
from tests.factories import make_container, make_district, make_light

# A box around the test lights, and lights well outside it.
BOX = layers.BBox(-2.330, 34.910, -2.310, 34.925)


def features(page: layers.FeaturePage) -> list[dict]:
    return json.loads(page.features)


@pytest.fixture
def lights(db):
    """Twelve lights in BOX on a 4 x 3 grid 0.004° apart, two of them out; three more outside it."""
    inside = [
        make_light(
            db.session,
            lon=-2.328 + 0.004 * (n % 4),
            lat=34.912 + 0.004 * (n // 4),
            status="out" if n in (1, 6) else "working",
        )
        for n in range(12)
    ]
    outside = [make_light(db.session, lon=-2.290 + 0.001 * n, lat=34.940) for n in range(3)]
    return inside, outside


def test_a_bbox_returns_the_lights_inside_it_and_none_outside(db, lights):
    inside, _outside = lights
    page = layers.feature_page(db.session, layers.LIGHTS, BOX, limit=100)
    found = features(page)
    assert {f["id"] for f in found} == {light.id for light in inside}
    assert page.matched == page.returned == 12
    assert not page.has_next and not page.has_prev


def test_a_light_is_a_geojson_point_with_its_code_technology_power_and_status(db):
    light = make_light(db.session, code="BRK-L-000042", lon=-2.3212347, lat=34.9195432, technology="led", power_w=70)
    (feature,) = features(layers.feature_page(db.session, layers.LIGHTS, BOX))
    assert feature == {
        "type": "Feature",
        "id": light.id,
        # Six decimals, a tenth of a metre.
        "geometry": {"type": "Point", "coordinates": [-2.321235, 34.919543]},
        "properties": {"code": "BRK-L-000042", "technology": "led", "power_w": 70, "status": "working"},
    }


def test_pages_follow_one_another_without_gap_or_overlap(db, lights):
    inside, _outside = lights
    seen = []
    for offset in (0, 5, 10):
        page = layers.feature_page(db.session, layers.LIGHTS, BOX, limit=5, offset=offset)
        assert page.matched == 12
        seen += [f["id"] for f in features(page)]
    assert seen == sorted(light.id for light in inside)
    last = layers.feature_page(db.session, layers.LIGHTS, BOX, limit=5, offset=10)
    assert last.returned == 2 and not last.has_next and last.has_prev


def test_an_offset_past_the_end_gives_an_empty_page_that_still_counts_the_matches(db, lights):
    page = layers.feature_page(db.session, layers.LIGHTS, BOX, limit=5, offset=50)
    assert features(page) == []
    assert (page.returned, page.matched) == (0, 12)


def test_without_a_bbox_every_feature_of_the_layer_is_paged(db, lights):
    page = layers.feature_page(db.session, layers.LIGHTS, None, limit=10)
    assert (page.matched, page.returned) == (15, 10)
    assert page.has_next


@pytest.mark.parametrize("zoom", [10, 13, 15, 17, 20])
def test_cluster_counts_add_up_to_the_features_in_the_box_at_every_zoom(db, lights, zoom):
    found = layers.clusters(db.session, layers.LIGHTS, BOX, zoom)
    assert sum(c.count for c in found) == layers.feature_page(db.session, layers.LIGHTS, BOX).matched == 12
    assert sum(c.counts["faulty"] for c in found) == 2
    for cluster in found:
        assert BOX.minx <= cluster.lon <= BOX.maxx and BOX.miny <= cluster.lat <= BOX.maxy


def test_clusters_merge_at_low_zoom_and_split_into_single_lights_up_close(db, lights):
    assert len(layers.clusters(db.session, layers.LIGHTS, BOX, 10)) == 1
    close = layers.clusters(db.session, layers.LIGHTS, BOX, 18)
    assert len(close) == 12 and {c.count for c in close} == {1}


def test_a_cluster_sits_at_the_mean_position_of_its_lights_within_its_cell(db):
    make_light(db.session, lon=-2.3200, lat=34.9200)
    make_light(db.session, lon=-2.3202, lat=34.9204)
    (cluster,) = layers.clusters(db.session, layers.LIGHTS, BOX, 12)
    assert (cluster.lon, cluster.lat) == pytest.approx((-2.3201, 34.9202))
    cell = cluster.bounds
    assert cell.minx <= cluster.lon <= cell.maxx and cell.miny <= cluster.lat <= cell.maxy


def _tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    n = 2**zoom
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def test_map_tiles_share_out_the_lights_of_a_box_without_counting_one_twice(db, lights):
    (west, north), (east, south) = _tile_of(BOX.minx, BOX.maxy, 15), _tile_of(BOX.maxx, BOX.miny, 15)
    tiles = [(x, y) for x in range(west, east + 1) for y in range(north, south + 1)]
    assert len(tiles) > 1
    found = [c for x, y in tiles for c in layers.tile_clusters(db.session, layers.LIGHTS, 15, x, y)]
    assert sum(c.count for c in found) == 12
    assert sum(c.counts["faulty"] for c in found) == 2


def test_a_tile_is_split_into_four_by_four_cells_at_most(db):
    x, y = _tile_of(-2.32, 34.916, 14)
    tile = layers.tile_bbox(14, x, y)
    for n in range(100):  # a diagonal across the tile
        make_light(
            db.session,
            lon=tile.minx + (tile.maxx - tile.minx) * (n + 0.5) / 100,
            lat=tile.miny + (tile.maxy - tile.miny) * (n + 0.5) / 100,
        )
    found = layers.tile_clusters(db.session, layers.LIGHTS, 14, x, y)
    assert len(found) == 4  # the diagonal crosses the four cells on it
    assert sum(c.count for c in found) == 100
    for cluster in found:
        cell = cluster.bounds
        assert tile.minx <= cell.minx < cell.maxx <= tile.maxx and tile.miny <= cell.miny < cell.maxy <= tile.maxy
        assert cell.maxx - cell.minx == pytest.approx((tile.maxx - tile.minx) / 4)


def test_tile_numbers_outside_the_world_are_refused():
    with pytest.raises(Invalid) as refused:
        layers.tile_bbox(3, 8, 0)
    assert refused.value.code == "tile_invalid"


def test_containers_tell_their_kind_capacity_and_fill_level_and_count_the_full_ones(db):
    read_at = datetime(2026, 3, 27, 9, 30, tzinfo=UTC)
    full = make_container(
        db.session, lon=-2.32, lat=34.92, kind="glass", capacity_l=2500, fill_level=85, fill_read_at=read_at
    )
    unknown = make_container(db.session, lon=-2.321, lat=34.92)
    by_id = {f["id"]: f["properties"] for f in features(layers.feature_page(db.session, layers.CONTAINERS, BOX))}
    assert by_id[full.id] == {
        "code": full.code,
        "kind": "glass",
        "capacity_l": 2500,
        "fill_level": 85,
        "fill_read_at": "2026-03-27T09:30:00Z",
    }
    assert (by_id[unknown.id]["fill_level"], by_id[unknown.id]["fill_read_at"]) == (None, None)
    (cluster,) = layers.clusters(db.session, layers.CONTAINERS, BOX, 10)
    assert (cluster.count, cluster.counts) == (2, {"full": 1})


def test_districts_give_both_names_and_their_population(db):
    district = make_district(db.session, name_ar="حي القدس", name_fr="Al Qods", population=23_450)
    (feature,) = features(layers.feature_page(db.session, layers.DISTRICTS, BOX))
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"] == {
        "code": district.code,
        "name_ar": "حي القدس",
        "name_fr": "Al Qods",
        "population": 23_450,
    }


def test_streets_zones_and_routes_carry_their_names_days_hours_and_zone(db):
    zone = CollectionZone(
        code="Z-NORD",
        name_ar="المنطقة الشمالية",
        name_fr="Zone nord",
        contractor="Berkane Propreté",
        days="1,3,5",
        start_time=time(6, 0),
        end_time=time(9, 30),
        geom=from_shape(MultiPolygon([box(-2.33, 34.91, -2.31, 34.925)]), srid=4326),
    )
    db.session.add(zone)
    db.session.flush()
    line = from_shape(LineString([(-2.325, 34.915), (-2.315, 34.92)]), srid=4326)
    db.session.add_all(
        [
            Street(code="S-1", name_ar="شارع الحسن الثاني", name_fr="Avenue Hassan II", geom=line),
            CollectionRoute(code="R-1", name_ar="الجولة 1", name_fr="Tournée 1", zone_id=zone.id, geom=line),
            CollectionRoute(code="R-2", name_ar="الجولة 2", name_fr="Tournée 2", geom=line),
        ]
    )
    db.session.flush()
    (street,) = features(layers.feature_page(db.session, layers.STREETS, BOX))
    assert street["geometry"] == {"type": "LineString", "coordinates": [[-2.325, 34.915], [-2.315, 34.92]]}
    assert street["properties"] == {"code": "S-1", "name_ar": "شارع الحسن الثاني", "name_fr": "Avenue Hassan II"}
    (zone_feature,) = features(layers.feature_page(db.session, layers.ZONES, BOX))
    assert zone_feature["properties"] == {
        "code": "Z-NORD",
        "name_ar": "المنطقة الشمالية",
        "name_fr": "Zone nord",
        "contractor": "Berkane Propreté",
        "days": [1, 3, 5],
        "start": "06:00",
        "end": "09:30",
    }
    routes = features(layers.feature_page(db.session, layers.ROUTES, BOX))
    assert [(r["properties"]["code"], r["properties"]["zone"]) for r in routes] == [("R-1", "Z-NORD"), ("R-2", None)]


def test_names_with_quotes_and_arabic_come_out_as_valid_json(db):
    make_district(db.session, name_fr='Quartier "L\'Oasis" \\ nord', name_ar="حي «الواحة»")
    (feature,) = features(layers.feature_page(db.session, layers.DISTRICTS, BOX))
    assert feature["properties"]["name_fr"] == 'Quartier "L\'Oasis" \\ nord'
    assert feature["properties"]["name_ar"] == "حي «الواحة»"


def test_lines_and_areas_cannot_be_clustered(db):
    with pytest.raises(Invalid) as refused:
        layers.clusters(db.session, layers.STREETS, BOX, 12)
    assert refused.value.code == "layer_not_clusterable"


def test_the_extent_of_a_layer_is_the_box_around_all_its_features(db):
    make_district(db.session, bounds=(-2.33, 34.91, -2.32, 34.92))
    make_district(db.session, bounds=(-2.31, 34.93, -2.30, 34.94))
    assert layers.extent(db.session, layers.DISTRICTS) == pytest.approx(layers.BBox(-2.33, 34.91, -2.30, 34.94))


def test_an_empty_layer_has_no_extent(db):
    assert layers.extent(db.session, layers.STREETS) is None


@pytest.mark.parametrize(
    "text",
    ["a,b,c,d", "1,2,3", "1,2,3,4,5", "-2.3,34.9,-2.4,35", "-2.3,35,-2.2,34.9", "nan,1,2,3", "-200,0,1,1", "0,0,1,inf"],
)
def test_a_bbox_that_is_not_west_south_east_north_in_degrees_is_refused(text):
    with pytest.raises(Invalid) as refused:
        layers.parse_bbox(text)
    assert (refused.value.code, refused.value.field) == ("bbox_invalid", "bbox")


def test_a_bbox_is_read_in_geojson_order():
    assert layers.parse_bbox(" -2.34,34.91,-2.30,34.94") == layers.BBox(-2.34, 34.91, -2.30, 34.94)
    assert layers.parse_bbox("") is None and layers.parse_bbox(None) is None


@pytest.mark.parametrize("text", ["0", "5001", "-1", "1.5", "ten", "٣", "9" * 40])
def test_a_limit_outside_one_to_five_thousand_is_refused(text):
    with pytest.raises(Invalid) as refused:
        layers.parse_limit(text)
    assert refused.value.code == "limit_invalid"


def test_zoom_is_required_for_clusters_and_bounded():
    for text in (None, "", "23", "-1", "x"):
        with pytest.raises(Invalid):
            layers.parse_zoom(text)
    assert layers.parse_zoom("14") == 14


def test_an_unknown_layer_is_not_found():
    with pytest.raises(NotFound) as missing:
        layers.get_layer("bus-stops")
    assert missing.value.code == "layer_unknown"
