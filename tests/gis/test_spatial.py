"""gis/spatial.py gives the same answers on PostGIS and SpatiaLite."""

import pytest
from sqlalchemy import select

from gis import spatial
from gis.districts.models import District
from gis.districts.queries import district_at, district_summaries, districts_at
from tests.factories import make_district

# Two points on Berkane's parallel, 0.01° of longitude apart: 913.77 m on the WGS84 ellipsoid.
A = (-2.32, 34.92)
B = (-2.31, 34.92)


def test_distance_between_two_points_is_in_metres_on_the_ellipsoid(db):
    metres = db.session.scalar(select(spatial.distance_m(spatial.point(*A), *B)))
    assert metres == pytest.approx(913.77, abs=0.05)


def test_area_of_a_district_is_in_square_metres(db):
    district = make_district(db.session, bounds=(-2.33, 34.91, -2.31, 34.93))
    area = db.session.scalar(select(spatial.area_m2(District.geom)).where(District.id == district.id))
    # 0.02° x 0.02° at 34.92° N, computed geodesically (both engines agree to the metre).
    assert area == pytest.approx(4_054_910, rel=1e-6)


def test_point_in_district_finds_the_district_that_contains_it(db):
    west = make_district(db.session, bounds=(-2.34, 34.91, -2.32, 34.93))
    east = make_district(db.session, bounds=(-2.32, 34.91, -2.30, 34.93))
    assert district_at(db.session, -2.33, 34.92).id == west.id
    assert district_at(db.session, -2.31, 34.92).id == east.id
    assert district_at(db.session, -2.20, 34.92) is None


def test_many_points_find_their_districts_in_one_query_as_one_point_does(db):
    west = make_district(db.session, bounds=(-2.34, 34.91, -2.32, 34.93))
    east = make_district(db.session, bounds=(-2.32, 34.91, -2.30, 34.93))
    points = [(-2.31, 34.92), (-2.20, 34.92), (-2.33, 34.92), (-2.32, 34.92), (-2.31, 34.92)]
    found = [d.id if d else None for d in districts_at(db.session, points)]
    assert found == [east.id, None, west.id, west.id, east.id]
    assert found == [d.id if d else None for d in (district_at(db.session, *p) for p in points)]
    assert districts_at(db.session, []) == []
    # More points than one query takes: the embedded database refuses compound SELECTs past 500 rows.
    many = points * 200
    assert [d.id if d else None for d in districts_at(db.session, many)] == found * 200


def test_bbox_filter_returns_only_geometries_touching_the_box(db):
    inside = make_district(db.session, bounds=(-2.33, 34.91, -2.32, 34.92))
    outside = make_district(db.session, bounds=(-2.10, 34.70, -2.09, 34.71))
    found = set(
        db.session.scalars(select(District.id).where(spatial.within_bbox(District.geom, -2.34, 34.90, -2.31, 34.93)))
    )
    assert inside.id in found
    assert outside.id not in found


def test_within_metres_keeps_the_near_and_drops_the_far(db):
    near = make_district(db.session, bounds=(-2.3195, 34.9195, -2.3190, 34.9200))  # about 45 m east
    far = make_district(db.session, bounds=(-2.3100, 34.9195, -2.3095, 34.9200))  # about 910 m east
    within = set(db.session.scalars(select(District.id).where(spatial.within_m(District.geom, *A, 100))))
    assert near.id in within and far.id not in within
    within_1km = set(db.session.scalars(select(District.id).where(spatial.within_m(District.geom, *A, 1000))))
    assert {near.id, far.id} <= within_1km


def test_nearest_first_orders_by_true_distance(db):
    ids = [
        make_district(db.session, bounds=(-2.3100, 34.92, -2.3099, 34.9201)).id,  # ~900 m
        make_district(db.session, bounds=(-2.3199, 34.92, -2.3198, 34.9201)).id,  # ~9 m
        make_district(db.session, bounds=(-2.3150, 34.92, -2.3149, 34.9201)).id,  # ~450 m
    ]
    ordered = db.session.scalars(
        select(District.id).where(District.id.in_(ids)).order_by(spatial.nearest_first(District.geom, *A))
    ).all()
    assert ordered == [ids[1], ids[2], ids[0]]


def test_district_summaries_report_area_and_density(db):
    district = make_district(db.session, population=40_549, bounds=(-2.33, 34.91, -2.31, 34.93))
    summary = next(s for s in district_summaries(db.session) if s.district.id == district.id)
    assert summary.area_km2 == pytest.approx(4.0549, rel=1e-4)
    assert summary.density_per_km2 == pytest.approx(10_000, rel=1e-3)


def test_spatial_index_exists_on_district_geometry(db, backend):
    from sqlalchemy import text

    if backend == "postgis":
        found = db.session.scalar(
            text("SELECT count(*) FROM pg_indexes WHERE tablename='district' AND indexdef ILIKE '%gist%'")
        )
    else:
        found = db.session.scalar(
            text(
                "SELECT spatial_index_enabled FROM geometry_columns "
                "WHERE f_table_name='district' AND f_geometry_column='geom'"
            )
        )
    assert found == 1
