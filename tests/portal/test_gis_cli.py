"""`flask gis import` and `flask gis export`, as an administrator runs them on real files."""

import csv
import json

from geoalchemy2.shape import from_shape, to_shape
from pyproj import Geod
from shapely.geometry import Point, Polygon
from sqlalchemy import func, select

from gis.districts.models import District
from gis.lighting.models import Cabinet, LightPoint
from gis.sanitation.models import WasteContainer
from tests.factories import make_district
from tests.gis.files import LAMBERT, to_lambert, write

GEOD = Geod(ellps="WGS84")


def gis(app, *args):
    return app.test_cli_runner().invoke(args=["gis", *map(str, args)])


def lights(db) -> dict[str, LightPoint]:
    db.session.expire_all()
    return {light.code: light for light in db.session.scalars(select(LightPoint))}


def light(code, lon=-2.32, lat=34.92, **props):
    return {"code": code, "technology": "led", "power_w": 60, "cabinet": None, **props}, Point(lon, lat)


def test_import_creates_the_features_and_says_how_many(app, db, tmp_path):
    district = make_district(db.session)
    db.session.add(Cabinet(code="CAB-7", geom=from_shape(Point(-2.321, 34.921), srid=4326)))
    db.session.commit()
    path = write(tmp_path / "lights.geojson", [light("L-1", cabinet="CAB-7"), light("L-2", -2.3201, 34.9201)])

    result = gis(app, "import", "lights", path)

    assert result.exit_code == 0, result.output
    assert "Read 2 features from lights.geojson in EPSG:4326." in result.output
    assert "Imported lights: 2 created, 0 updated, 0 unchanged." in result.output
    stored = lights(db)
    assert stored["L-1"].cabinet.code == "CAB-7" and stored["L-2"].district_id == district.id


def test_a_shapefile_in_lambert_with_mapped_columns_lands_where_it_was_surveyed(app, db, tmp_path):
    place = Point(-2.3187, 34.9213)
    path = write(
        tmp_path / "bacs.shp",
        [({"ref": "C-1", "type": "glass", "litres": 660}, to_lambert(place))],
        crs=f"EPSG:{LAMBERT}",
    )

    result = gis(
        app, "import", "containers", path, "--map", "code=ref", "--map", "kind=type", "--map", "capacity_l=litres"
    )

    assert result.exit_code == 0, result.output
    assert "in EPSG:26191, reprojected to EPSG:4326" in result.output
    assert "Field capacity_l read from column litres." in result.output
    container = db.session.scalar(select(WasteContainer))
    stored = to_shape(container.geom)
    assert (container.code, container.kind, container.capacity_l) == ("C-1", "glass", 660)
    assert GEOD.inv(stored.x, stored.y, place.x, place.y)[2] < 0.03


def test_a_file_with_bad_features_lists_each_by_number_and_imports_nothing(app, db, tmp_path):
    path = write(
        tmp_path / "lights.geojson",
        [
            light("L-1"),
            light(None),
            light("L-3", technology="sodium"),
            light("L-4", cabinet="CAB-404"),
            light("L-5", -5.0, 34.0),  # Casablanca's side of the country
        ],
    )
    report = tmp_path / "problems.csv"

    result = gis(app, "import", "lights", path, "--report", report)

    assert result.exit_code == 1
    assert "Feature 2, code: a value is required" in result.output
    assert "Feature 3 (L-3), technology: 'sodium' is not one of: led, hps, metal_halide" in result.output
    assert "Feature 4 (L-4), cabinet: no cabinet has the code 'CAB-404'" in result.output
    assert "Feature 5 (L-5), geometry: the geometry lies outside Berkane" in result.output
    assert "4 problems in 4 features: nothing was imported." in result.output
    assert lights(db) == {}
    with report.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["feature"], r["field"], r["problem"]) for r in rows] == [
        ("2", "code", "required"),
        ("3", "technology", "choice_invalid"),
        ("4", "cabinet", "reference_unknown"),
        ("5", "geometry", "outside_area"),
    ]


def test_a_dry_run_says_what_would_change_and_writes_nothing(app, db, tmp_path):
    assert gis(app, "import", "lights", write(tmp_path / "a.geojson", [light("L-1")])).exit_code == 0
    path = write(tmp_path / "b.geojson", [light("L-1", power_w=90), light("L-2")])

    result = gis(app, "import", "lights", path, "--dry-run")

    assert result.exit_code == 0, result.output
    assert "Dry run, nothing written: 1 to create, 1 to update, 0 unchanged in lights." in result.output
    stored = lights(db)
    assert list(stored) == ["L-1"] and stored["L-1"].power_w == 60


def test_importing_the_same_codes_again_updates_them(app, db, tmp_path):
    gis(app, "import", "lights", write(tmp_path / "a.geojson", [light("L-1"), light("L-2")]))

    result = gis(app, "import", "lights", write(tmp_path / "b.geojson", [light("L-1", power_w=35), light("L-2")]))

    assert "Imported lights: 0 created, 1 updated, 1 unchanged." in result.output
    stored = lights(db)
    assert len(stored) == 2 and stored["L-1"].power_w == 35


def test_a_failure_while_writing_leaves_nothing_half_imported(app, db, tmp_path, monkeypatch):
    from gis.io import importing

    real = importing.from_shape
    written = []

    def fail_on_third(geometry, srid):
        written.append(geometry)
        if len(written) == 3:
            raise RuntimeError("disk full")
        return real(geometry, srid=srid)

    monkeypatch.setattr(importing, "from_shape", fail_on_third)
    path = write(tmp_path / "lights.geojson", [light(f"L-{i}", -2.32 + i / 10000) for i in range(5)])

    result = gis(app, "import", "lights", path)

    assert result.exit_code != 0 and "nothing was written" in result.output
    assert db.session.scalar(select(func.count(LightPoint.id))) == 0


def test_export_writes_geojson_and_csv_that_import_back_unchanged(app, db, tmp_path):
    make_district(db.session, code="centre", bounds=(-2.33, 34.91, -2.31, 34.93))
    db.session.commit()
    gis(app, "import", "lights", write(tmp_path / "in.geojson", [light("L-1"), light("L-2", -2.3111, 34.9222)]))

    for name in ("out.geojson", "out.csv"):
        exported = gis(app, "export", "lights", tmp_path / name)
        assert exported.exit_code == 0, exported.output
        assert f"Exported 2 lights to {tmp_path / name} (EPSG:4326)." in exported.output
        again = gis(app, "import", "lights", tmp_path / name)
        assert "Imported lights: 0 created, 0 updated, 2 unchanged." in again.output, again.output

    collection = json.loads((tmp_path / "out.geojson").read_text(encoding="utf-8"))
    assert [f["geometry"]["coordinates"] for f in collection["features"]] == [[-2.32, 34.92], [-2.3111, 34.9222]]
    assert collection["features"][0]["properties"]["district"] == "centre"


def test_districts_export_as_polygons_in_wgs84(app, db, tmp_path):
    outline = Polygon([(-2.33, 34.91), (-2.31, 34.91), (-2.31, 34.93), (-2.33, 34.91)])
    path = write(
        tmp_path / "quartiers.gpkg",
        [({"code": "q1", "name_ar": "حي الأمل", "name_fr": "Al Amal", "population": 9000}, to_lambert(outline))],
        crs=f"EPSG:{LAMBERT}",
    )
    assert gis(app, "import", "districts", path).exit_code == 0

    gis(app, "export", "districts", tmp_path / "out.geojson")

    feature = json.loads((tmp_path / "out.geojson").read_text(encoding="utf-8"))["features"][0]
    assert feature["geometry"]["type"] == "MultiPolygon" and feature["properties"]["name_ar"] == "حي الأمل"
    assert db.session.scalar(select(District.population).where(District.code == "q1")) == 9000


def test_unreadable_files_and_unknown_formats_are_refused_with_a_reason(app, db, tmp_path):
    broken = tmp_path / "broken.geojson"
    broken.write_text("{ not json", encoding="utf-8")

    read = gis(app, "import", "lights", broken)
    exported = gis(app, "export", "lights", tmp_path / "lights.kml")
    mapped = gis(app, "import", "lights", write(tmp_path / "l.geojson", [light("L-1")]), "--map", "colour=code")

    assert read.exit_code == 1 and "cannot be read as GIS data" in read.output
    assert exported.exit_code == 1 and "Export to a .geojson or .csv file, not '.kml'." in exported.output
    assert mapped.exit_code == 1 and "The layer has no field 'colour'." in mapped.output


def test_the_gis_commands_list_every_layer(app):
    result = gis(app, "import", "--help")
    assert result.exit_code == 0
    for layer in ("districts", "streets", "cabinets", "lights", "containers", "zones", "routes", "depots"):
        assert layer in result.output


def test_metres_in_a_file_without_coordinate_system_suggest_the_srid_option(app, db, tmp_path):
    x, y = to_lambert(Point(-2.32, 34.92)).coords[0]
    path = tmp_path / "depots.csv"
    path.write_text(f"code,name_ar,name_fr,x,y\nD-1,المستودع,Dépôt,{x},{y}\n", encoding="utf-8")

    refused = gis(app, "import", "depots", path)
    imported = gis(app, "import", "depots", path, "--srid", LAMBERT)

    assert refused.exit_code == 1 and "give --srid (26191 for Lambert Nord Maroc)" in refused.output
    assert imported.exit_code == 0 and "in EPSG:26191 (no coordinate system declared: assumed)" in imported.output
