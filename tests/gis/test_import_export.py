"""Layers come in from GeoJSON, Shapefile and GeoPackage files (any CRS) and go out as GeoJSON and CSV."""

from datetime import UTC, date, datetime, time

import pytest
from geoalchemy2.shape import from_shape, to_shape
from pyproj import Geod
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box
from sqlalchemy import delete, func, select

from gis.districts.models import District
from gis.io import exporting, importing, reading
from gis.io.layers import LAYERS
from gis.lighting.models import Cabinet, LightMaintenance, LightPoint, Street
from gis.sanitation.models import CollectionRoute, CollectionZone, Depot, WasteContainer
from services.errors import Invalid
from tests.factories import make_district
from tests.gis.files import LAMBERT, from_lambert, to_lambert, write

GEOD = Geod(ellps="WGS84")
CENTRE = (-2.32, 34.92)


def metres(a: Point, b: Point) -> float:
    return GEOD.inv(a.x, a.y, b.x, b.y)[2]


def run(db, layer, path, mapping=None, *, dry_run=False, **read_options):
    """Check the file, then write it unless told not to or something is wrong (as the command does)."""
    plan = importing.check(db.session, layer, reading.read(path, **read_options), mapping)
    if plan.ok and not dry_run:
        importing.apply(db.session, plan)
    return plan


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def light(code="L-1", lon=-2.32, lat=34.92, **props):
    return {"code": code, "technology": "led", "power_w": 60, **props}, Point(lon, lat)


def make_cabinet(db, code="CAB-1", lon=-2.321, lat=34.921):
    cabinet = Cabinet(code=code, geom=from_shape(Point(lon, lat), srid=4326))
    db.session.add(cabinet)
    db.session.flush()
    return cabinet


def problems(plan):
    return {(p.feature, p.field, p.code) for p in plan.problems}


# --------------------------------------------------------------------------- reading and reprojecting


def test_lights_from_geojson_get_their_cabinet_by_code_and_their_district_from_where_they_stand(db, tmp_path):
    district = make_district(db.session, bounds=(-2.33, 34.91, -2.31, 34.93))
    cabinet = make_cabinet(db)
    path = write(
        tmp_path / "lights.geojson",
        [
            light("L-1", -2.32, 34.92, cabinet="CAB-1", pole_height_m=8.5, installed_on="2024-05-02"),
            light("L-2", -2.25, 34.95, cabinet=None, pole_height_m=None, installed_on=None),
        ],
    )

    plan = run(db, "lights", path)

    assert plan.ok and (plan.created, plan.updated) == (2, 0)
    first, second = db.session.scalars(select(LightPoint).order_by(LightPoint.code)).all()
    assert (first.cabinet_id, first.district_id, first.pole_height_m) == (cabinet.id, district.id, 8.5)
    assert first.installed_on == date(2024, 5, 2) and first.status == "working" and first.technology == "led"
    assert (second.cabinet_id, second.district_id, second.pole_height_m) == (None, None, None)
    assert to_shape(first.geom).equals(Point(-2.32, 34.92))


def test_a_shapefile_in_lambert_is_reprojected_to_wgs84_within_a_few_centimetres(db, tmp_path):
    places = [Point(-2.3301, 34.9102), Point(-2.3123, 34.9234), Point(-2.2987, 34.9311)]
    path = write(
        tmp_path / "containers.shp",
        [({"code": f"C-{i}", "kind": "glass", "capacity_l": 660}, to_lambert(p)) for i, p in enumerate(places)],
        crs=f"EPSG:{LAMBERT}",
    )

    source = reading.read(path)
    plan = run(db, "containers", path)

    assert source.reprojected and source.crs == "EPSG:26191"
    assert plan.ok and plan.created == 3
    stored = {c.code: to_shape(c.geom) for c in db.session.scalars(select(WasteContainer))}
    for i, place in enumerate(places):
        assert metres(stored[f"C-{i}"], place) < 0.03
        # The same transformation as pyproj's, to the centimetre: no datum shift lost or added on the way.
        expected = from_lambert(to_lambert(place))
        assert metres(stored[f"C-{i}"], expected) < 0.01


def test_geopackage_polygons_in_lambert_become_multipolygon_districts(db, tmp_path):
    outline = Polygon([(-2.33, 34.91), (-2.31, 34.91), (-2.31, 34.93), (-2.33, 34.93)])
    path = write(
        tmp_path / "districts.gpkg",
        [
            (
                {"code": "centre", "name_ar": "وسط المدينة", "name_fr": "Centre-ville", "population": 12000},
                to_lambert(outline),
            )
        ],
        crs=f"EPSG:{LAMBERT}",
    )

    assert run(db, "districts", path).ok
    district = db.session.scalar(select(District).where(District.code == "centre"))
    shape = to_shape(district.geom)
    assert isinstance(shape, MultiPolygon) and district.name_ar == "وسط المدينة" and district.population == 12000
    for got, want in zip(shape.geoms[0].exterior.coords, outline.exterior.coords, strict=True):
        assert metres(Point(got), Point(want)) < 0.03


def test_a_file_without_coordinate_system_is_read_in_the_srid_given(db, tmp_path):
    path = tmp_path / "depots.csv"
    x, y = to_lambert(Point(CENTRE)).coords[0]
    path.write_text(f"code,name_ar,name_fr,x,y\nD-1,المستودع,Dépôt,{x!r},{y!r}\n", encoding="utf-8")

    plan = run(db, "depots", path, srid=LAMBERT)

    assert plan.ok
    assert metres(to_shape(db.session.scalar(select(Depot.geom))), Point(CENTRE)) < 0.03


def test_a_file_without_coordinate_system_is_taken_as_wgs84(db, tmp_path):
    path = tmp_path / "depots.csv"
    path.write_text("code,name_ar,name_fr,lon,lat\nD-1,المستودع,Dépôt,-2.32,34.92\n", encoding="utf-8")
    source = reading.read(path)
    assert (source.crs, source.crs_declared, source.reprojected) == ("EPSG:4326", False, False)


def test_an_srid_that_contradicts_the_files_own_coordinate_system_is_refused(db, tmp_path):
    path = write(tmp_path / "lights.geojson", [light()])
    with pytest.raises(Invalid) as refused:
        reading.read(path, srid=LAMBERT)
    assert refused.value.code == "import_crs_conflict"


def test_a_file_gdal_cannot_read_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "lights.geojson"
    path.write_text("this is not json", encoding="utf-8")
    with pytest.raises(Invalid) as refused:
        reading.read(path)
    assert refused.value.code == "import_file_unreadable" and refused.value.params["detail"]


def test_a_shapefile_without_its_character_set_file_is_read_in_the_encoding_given(db, tmp_path):
    path = tmp_path / "depots.shp"
    write(path, [({"code": "D-1", "name_ar": "المستودع البلدي", "name_fr": "Dépôt"}, Point(CENTRE))], encoding="cp1256")
    path.with_suffix(".cpg").unlink()  # as old Windows software left them

    assert reading.read(path, encoding="cp1256").features[0].properties["name_ar"] == "المستودع البلدي"
    with pytest.raises(Invalid) as refused:
        reading.read(path, encoding="klingon")
    assert refused.value.code == "import_encoding_unknown"


# --------------------------------------------------------------------------- checking


def test_every_bad_feature_is_reported_with_its_number_and_field_and_nothing_is_written(db, tmp_path):
    make_cabinet(db)
    path = write(
        tmp_path / "lights.geojson",
        [
            light("L-1", cabinet="CAB-1", power_w=60),
            light(None, cabinet=None, power_w=60),  # no code
            light("L-3", technology="sodium", cabinet=None, power_w=60),
            (
                {"code": "L-4", "technology": "led", "cabinet": None, "power_w": 60},
                LineString([CENTRE, (-2.31, 34.93)]),
            ),
            light("L-5", 781261.4, 484099.1, cabinet=None, power_w=60),  # Lambert metres taken for degrees
            light("L-6", cabinet="CAB-404", power_w=60),
            light("L-7", cabinet=None, power_w=0),
            light("L-1", cabinet=None, power_w=60),  # the same code twice
            ({"code": "L-9", "technology": "led", "cabinet": None, "power_w": 60}, None),
        ],
    )

    plan = run(db, "lights", path)

    assert problems(plan) == {
        (2, "code", "required"),
        (3, "technology", "choice_invalid"),
        (4, "geometry", "geometry_type"),
        (5, "geometry", "outside_area"),
        (6, "cabinet", "reference_unknown"),
        (7, "power_w", "not_above"),
        (8, "code", "code_duplicate"),
        (9, "geometry", "geometry_missing"),
    }
    by_feature = {p.feature: p for p in plan.problems}
    assert by_feature[3].value == "sodium" and by_feature[3].feature_code == "L-3"
    assert by_feature[6].value == "CAB-404" and by_feature[8].params == {"first": 1}
    with pytest.raises(Invalid):
        importing.apply(db.session, plan)
    assert count(db, LightPoint) == 0


def test_a_required_column_missing_from_the_file_is_reported_once(db, tmp_path):
    path = write(tmp_path / "lights.geojson", [({"code": "L-1", "power_w": 60}, Point(CENTRE))] * 2)
    plan = run(db, "lights", path)
    assert problems(plan) == {(None, "technology", "column_missing")}


def test_zone_days_and_hours_are_checked(db, tmp_path):
    square = box(-2.33, 34.91, -2.32, 34.92)
    zone = {"name_ar": "منطقة", "name_fr": "Zone", "contractor": "Ozone"}
    path = write(
        tmp_path / "zones.geojson",
        [
            ({"code": "Z-1", **zone, "days": "5,1,3", "start_time": "06:00", "end_time": "13:30"}, square),
            ({"code": "Z-2", **zone, "days": "1,9", "start_time": "06:00", "end_time": "13:30"}, square),
            ({"code": "Z-3", **zone, "days": "2", "start_time": "14:00", "end_time": "06:00"}, square),
            ({"code": "Z-4", **zone, "days": "2", "start_time": "25:00", "end_time": "26:00"}, square),
        ],
    )

    plan = run(db, "zones", path)

    assert problems(plan) == {
        (2, "days", "days_invalid"),
        (3, "end_time", "hours_ordered"),
        (4, "start_time", "time_invalid"),
        (4, "end_time", "time_invalid"),
    }
    assert [r.values["days"] for r in plan.rows] == ["1,3,5"]


def test_checking_writes_nothing_and_says_what_would_change(db, tmp_path):
    make_district(db.session)
    path = write(tmp_path / "lights.geojson", [light("L-1"), light("L-2")])
    run(db, "lights", path)
    path = write(tmp_path / "lights.geojson", [light("L-1"), light("L-2", power_w=100), light("L-3")])

    plan = run(db, "lights", path, dry_run=True)

    assert (plan.created, plan.updated, plan.unchanged) == (1, 1, 1)
    assert count(db, LightPoint) == 2
    assert db.session.scalar(select(LightPoint.power_w).where(LightPoint.code == "L-2")) == 60


def test_fields_are_read_from_the_columns_the_mapping_names(db, tmp_path):
    path = write(
        tmp_path / "lamps.gpkg",
        [({"ref": "L-1", "lamp": "HPS", "watts": 150, "etat": "out"}, Point(CENTRE))],
    )

    plan = run(db, "lights", path, {"code": "ref", "technology": "lamp", "power_w": "watts", "status": "etat"})

    assert plan.ok and plan.ignored == ()
    stored = db.session.scalar(select(LightPoint))
    assert (stored.code, stored.technology, stored.power_w, stored.status) == ("L-1", "hps", 150, "out")


def test_a_mapping_to_a_field_the_layer_lacks_is_refused(db, tmp_path):
    path = write(tmp_path / "lights.geojson", [light()])
    with pytest.raises(Invalid) as refused:
        run(db, "lights", path, {"colour": "code"})
    assert refused.value.code == "import_field_unknown"


def test_shapefile_column_names_cut_at_ten_characters_are_recognised(db, tmp_path):
    path = write(tmp_path / "lights.shp", [light(pole_height_m=9.5, installed_on=date(2023, 1, 9))])
    plan = run(db, "lights", path)
    assert plan.columns["pole_height_m"] == "pole_heigh" and plan.columns["installed_on"] == "installed_"
    stored = db.session.scalar(select(LightPoint))
    assert (stored.pole_height_m, stored.installed_on) == (9.5, date(2023, 1, 9))


def test_progress_advances_once_per_feature_good_or_bad(db, tmp_path):
    path = write(tmp_path / "lights.geojson", [light("L-1"), light("L-2", power_w=-1), light("L-1"), light("L-4")])
    steps = []
    plan = importing.check(db.session, "lights", reading.read(path), progress=steps.append)
    assert sum(steps) == 4 and len(plan.problems) == 2
    good = importing.check(db.session, "lights", reading.read(write(tmp_path / "ok.geojson", [light("L-1")])))
    steps.clear()
    importing.apply(db.session, good, progress=steps.append)
    assert steps == [1]


# --------------------------------------------------------------------------- writing


def test_importing_again_updates_the_rows_by_code_instead_of_duplicating_them(db, tmp_path):
    path = write(tmp_path / "lights.geojson", [light("L-1"), light("L-2")])
    run(db, "lights", path)
    first_id = db.session.scalar(select(LightPoint.id).where(LightPoint.code == "L-1"))
    path = write(tmp_path / "lights.geojson", [light("L-1", -2.3205, 34.9205, power_w=40), light("L-2")])

    plan = run(db, "lights", path)

    assert (plan.created, plan.updated, plan.unchanged) == (0, 1, 1)
    assert count(db, LightPoint) == 2
    moved = db.session.get(LightPoint, first_id)
    db.session.refresh(moved)
    assert moved.power_w == 40 and to_shape(moved.geom).equals(Point(-2.3205, 34.9205))


def test_a_status_changed_by_a_file_is_written_in_the_lights_history(db, tmp_path):
    run(db, "lights", write(tmp_path / "a.geojson", [light("L-1", status="working")]))
    run(db, "lights", write(tmp_path / "b.geojson", [light("L-1", status="damaged")]))
    stored = db.session.scalar(select(LightPoint))
    db.session.refresh(stored)
    assert stored.status == "damaged" and stored.status_changed_at is not None
    assert db.session.scalars(select(LightMaintenance.status_after)).all() == ["damaged"]


def test_a_column_left_out_of_the_file_keeps_the_stored_values(db, tmp_path):
    make_cabinet(db)
    run(db, "lights", write(tmp_path / "a.geojson", [light("L-1", cabinet="CAB-1", pole_height_m=10.0)]))
    run(db, "lights", write(tmp_path / "b.geojson", [light("L-1", power_w=80)]))
    stored = db.session.scalar(select(LightPoint))
    db.session.refresh(stored)
    assert (stored.power_w, stored.pole_height_m, stored.cabinet.code) == (80, 10.0, "CAB-1")


# --------------------------------------------------------------------------- exporting


def _seed_every_layer(db):
    west = make_district(db.session, code="west", bounds=(-2.34, 34.91, -2.32, 34.93), name_ar="الغرب")
    east = make_district(db.session, code="east", bounds=(-2.32, 34.91, -2.30, 34.93))
    street = Street(code="S-1", name_ar="شارع محمد الخامس", name_fr="Boulevard Mohammed V", district=west)
    street.geom = from_shape(LineString([(-2.335, 34.915), (-2.3251234567891, 34.9251234567891)]), srid=4326)
    cabinet = Cabinet(code="CAB-1", meter_number="M-778", district=west, geom=from_shape(Point(-2.33, 34.92), 4326))
    cabinet.dimming = [{"start": "23:00", "end": "05:00", "level": 0.5}]
    zone = CollectionZone(
        code="Z-1", name_ar="المنطقة 1", name_fr="Zone 1", contractor="Mecomar", days="1,3,5",
        start_time=time(6), end_time=time(13, 30),
        geom=from_shape(MultiPolygon([box(-2.34, 34.91, -2.30, 34.93)]), 4326),
    )  # fmt: skip
    db.session.add_all([street, cabinet, zone])
    db.session.flush()
    db.session.add_all(
        [
            LightPoint(
                code="L-1", technology="metal_halide", power_w=250, pole_height_m=12.5, cabinet=cabinet, street=street,
                district=west, installed_on=date(2019, 3, 4), status="flickering",
                geom=from_shape(Point(-2.3312345678912345, 34.9187654321), 4326),
            ),
            LightPoint(
                code="L-2", technology="led", power_w=45, district=east, geom=from_shape(Point(-2.3101, 34.9201), 4326)
            ),
            WasteContainer(
                code="C-1", kind="recycling", capacity_l=1100, fill_level=40,
                fill_read_at=datetime(2026, 3, 1, 7, 45, tzinfo=UTC), district=east,
                geom=from_shape(Point(-2.315, 34.915), 4326),
            ),
            CollectionRoute(
                code="R-1", name_ar="الجولة 1", name_fr="Tournée 1", zone=zone,
                geom=from_shape(LineString([(-2.33, 34.92), (-2.32, 34.925), (-2.31, 34.92)]), 4326),
            ),
            Depot(code="D-1", name_ar="المستودع", name_fr="Dépôt", geom=from_shape(Point(-2.305, 34.928), 4326)),
        ]
    )  # fmt: skip
    db.session.flush()


def _snapshot(db, layer):
    return [(props, geometry.wkb_hex) for props, geometry in exporting.records(db.session, LAYERS[layer])]


# Layers in the order their references need them; deleted in reverse.
ORDER = ["districts", "streets", "cabinets", "zones", "lights", "containers", "routes", "depots"]


@pytest.mark.parametrize("suffix", [".geojson", ".csv"])
def test_exporting_every_layer_then_importing_the_files_gives_back_the_same_data(db, tmp_path, suffix):
    _seed_every_layer(db)
    before = {layer: _snapshot(db, layer) for layer in ORDER}
    files = {layer: tmp_path / f"{layer}{suffix}" for layer in ORDER}
    for layer in ORDER:
        assert exporting.export_layer(db.session, layer, files[layer]) == len(before[layer])
    for layer in reversed(ORDER):
        db.session.execute(delete(LAYERS[layer].model))
    db.session.expunge_all()

    for layer in ORDER:
        plan = run(db, layer, files[layer])
        assert plan.ok, plan.problems
        assert plan.created == len(before[layer])

    assert {layer: _snapshot(db, layer) for layer in ORDER} == before
    for layer in ORDER:  # and a second export is the same file, byte for byte
        again = tmp_path / f"again{suffix}"
        exporting.export_layer(db.session, layer, again)
        assert again.read_bytes() == files[layer].read_bytes()


def test_exported_geojson_holds_wgs84_coordinates_and_readable_names(db, tmp_path):
    _seed_every_layer(db)
    path = tmp_path / "streets.geojson"
    exporting.export_layer(db.session, "streets", path)
    text = path.read_text(encoding="utf-8")
    assert "شارع محمد الخامس" in text and '"crs"' not in text
    source = reading.read(path)
    assert source.crs == "EPSG:4326" and source.features[0].properties["district"] == "west"
    assert source.features[0].geometry.coords[1] == (-2.3251234567891, 34.9251234567891)


def test_exported_csv_gives_points_as_lon_and_lat_and_other_shapes_as_wkt(db, tmp_path):
    _seed_every_layer(db)
    exporting.export_layer(db.session, "containers", tmp_path / "containers.csv")
    exporting.export_layer(db.session, "zones", tmp_path / "zones.csv")
    containers = (tmp_path / "containers.csv").read_text(encoding="utf-8-sig").splitlines()
    zones = (tmp_path / "zones.csv").read_text(encoding="utf-8-sig").splitlines()
    assert containers[0] == "code,kind,capacity_l,fill_level,fill_read_at,district,lon,lat"
    assert containers[1] == "C-1,recycling,1100,40,2026-03-01T07:45:00+00:00,east,-2.315,34.915"
    assert zones[0].endswith(",wkt") and '"MULTIPOLYGON (((' in zones[1]


def test_exporting_to_an_unknown_format_is_refused(db, tmp_path):
    with pytest.raises(Invalid) as refused:
        exporting.export_layer(db.session, "lights", tmp_path / "lights.kml")
    assert refused.value.code == "export_format_unknown"


def test_every_layer_makes_each_required_column_required_or_gives_it_a_default():
    for layer in LAYERS.values():
        table = layer.model.__table__
        given = {f.name for f in layer.fields} | {r.attribute for r in layer.references}
        for column in table.columns:
            if column.nullable or column.primary_key or column.default is not None or column.name == "geom":
                continue
            assert column.name in given, f"{layer.name}.{column.name}"
            spec = layer.field_named(column.name)
            assert spec is None or spec.required or spec.default is not None, f"{layer.name}.{column.name}"
