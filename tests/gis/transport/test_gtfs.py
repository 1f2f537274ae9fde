"""GTFS feeds in and out: real feeds import with their counts, a broken feed names its problems and changes
nothing, a new feed replaces the old one, and export then import gives the same network."""

import numpy as np
import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from gis.transport.gtfs import FeedInvalid, export_feed, import_feed, read_feed
from gis.transport.models import (
    CalendarDate,
    Frequency,
    Route,
    Shape,
    Stop,
    StopTime,
    TransitFeed,
    Trip,
)
from services.errors import Invalid
from tests.gis.transport.feeds import (
    CAIRNS,
    MODELS,
    SAMPLE,
    assert_same_network,
    edited,
    files,
    replace_line,
    rezip,
    snapshot,
)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def counts(db) -> dict[str, int]:
    return {model.__tablename__: count(db, model) for model in (*MODELS, TransitFeed)}


def test_the_cairns_network_imports_with_every_row_and_comes_back_the_same_after_an_export(db):
    report = import_feed(db.session, CAIRNS)

    assert counts(db) == {
        "transit_agency": 1,
        "transit_stop": 416,
        "transit_route": 22,
        "transit_shape": 54,
        "transit_trip": 1339,
        "transit_stop_time": 37790,
        "transit_frequency": 0,
        "transit_calendar": 4,
        "transit_calendar_date": 9,
        "transit_feed": 1,
    }
    feed = db.session.scalar(select(TransitFeed))
    assert (feed.source_name, feed.sha256, feed.id) == ("cairns_gtfs.zip", report.sha256, report.feed_id)
    assert feed.counts["stop_times.txt"] == 37790 and feed.counts["shapes.txt"] == 22784
    # Each route's line is its trips' distinct shapes.
    route = db.session.scalar(select(Route).where(Route.route_id == "110-423"))
    shapes = db.session.scalars(select(Shape).join(Trip, Trip.shape_id == Shape.id).where(Trip.route_id == route.id))
    assert len(to_shape(route.geom).geoms) == len(set(shapes)) >= 2
    assert db.session.scalar(select(func.count()).select_from(Route).where(Route.geom.is_(None))) == 0
    # The trips run past midnight in seconds of the service day, not wrapped to 0.
    assert db.session.scalar(select(func.max(StopTime.arrival_s))) > 24 * 3600
    before = snapshot(db)

    exported = export_feed(db.session)
    import_feed(db.session, exported, source_name="export.zip")

    assert_same_network(before, snapshot(db))
    again = db.session.scalar(select(TransitFeed))
    assert again.source_name == "export.zip" and again.counts["stop_times.txt"] == 37790
    assert export_feed(db.session) == exported  # the same network, the same bytes


def test_gtfs_kit_reads_the_exported_network_as_the_original_feed(db, tmp_path):
    import gtfs_kit as gk  # seconds to import (geopandas): only here

    import_feed(db.session, SAMPLE)
    path = tmp_path / "export.zip"
    path.write_bytes(export_feed(db.session))

    original = gk.read_feed(SAMPLE, dist_units="km")
    exported = gk.read_feed(path, dist_units="km")

    for table in ("agency", "stops", "routes", "trips", "stop_times", "calendar", "calendar_dates", "frequencies"):
        assert len(getattr(exported, table)) == len(getattr(original, table)), table
    assert set(exported.stops.stop_id) == set(original.stops.stop_id)
    assert np.allclose(
        exported.stops.sort_values("stop_id")[["stop_lat", "stop_lon"]].to_numpy(dtype=float),
        original.stops.sort_values("stop_id")[["stop_lat", "stop_lon"]].to_numpy(dtype=float),
    )
    # Times come out as HH:MM:SS, which gtfs-kit reads as the same durations as the original H:MM:SS.
    durations = [
        feed.compute_trip_stats().set_index("trip_id")["duration"].sort_index() for feed in (original, exported)
    ]
    assert durations[0].round(6).to_dict() == durations[1].round(6).to_dict()
    assert durations[1]["CITY1"] == pytest.approx(28 / 60)  # 6:00 to 6:28, in hours


def test_the_sample_feed_keeps_its_calendar_exceptions_frequencies_and_lines_through_the_stops(db):
    import_feed(db.session, SAMPLE)

    assert counts(db) | {"transit_feed": 1} == {
        "transit_agency": 1,
        "transit_stop": 9,
        "transit_route": 5,
        "transit_shape": 0,
        "transit_trip": 11,
        "transit_stop_time": 28,
        "transit_frequency": 11,
        "transit_calendar": 2,
        "transit_calendar_date": 1,
        "transit_feed": 1,
    }
    removed = db.session.scalar(select(CalendarDate))
    assert (removed.service_id, removed.date.isoformat(), removed.exception_type) == ("FULLW", "2007-06-04", 2)
    city1 = select(Trip.id).where(Trip.trip_id == "CITY1").scalar_subquery()
    windows = db.session.execute(
        select(Frequency.start_s, Frequency.end_s, Frequency.headway_s).where(Frequency.trip_id == city1)
    )
    assert sorted(windows) == [
        (6 * 3600, 7 * 3600 + 59 * 60 + 59, 1800),
        (8 * 3600, 9 * 3600 + 59 * 60 + 59, 600),
        (10 * 3600, 15 * 3600 + 59 * 60 + 59, 1800),
        (16 * 3600, 18 * 3600 + 59 * 60 + 59, 600),
        (19 * 3600, 22 * 3600, 1800),
    ]
    # Without shapes, a route's line runs through the stops of its trips: the airport and Bullfrog, both ways.
    line = to_shape(db.session.scalar(select(Route.geom).where(Route.route_id == "AB")))
    assert sorted(tuple(map(tuple, np.round(part.coords, 6))) for part in line.geoms) == [
        ((-116.81797, 36.88108), (-116.784582, 36.868446)),
        ((-116.784582, 36.868446), (-116.81797, 36.88108)),
    ]


def test_arabic_and_french_names_come_from_translations_and_go_back_out(db):
    contents = files(SAMPLE)
    contents["translations.txt"] = (
        "table_name,field_name,language,translation,record_id,record_sub_id,field_value\n"
        "stops,stop_name,ar,محطة المطار,BEATTY_AIRPORT,,\n"
        "stops,stop_name,fr,Aéroport du comté de Nye,BEATTY_AIRPORT,,\n"
        "stops,stop_name,fr-FR,Hôtel Stagecoach,,,Stagecoach Hotel & Casino (Demo)\n"
        "routes,route_long_name,ar,المطار - بولفروغ,AB,,\n"
        "stops,stop_desc,ar,غير مستعمل,BEATTY_AIRPORT,,\n"
    )
    import_feed(db.session, rezip(contents))

    def names():
        db.session.expire_all()
        airport = db.session.scalar(select(Stop).where(Stop.stop_id == "BEATTY_AIRPORT"))
        hotel = db.session.scalar(select(Stop).where(Stop.stop_id == "STAGECOACH"))
        route = db.session.scalar(select(Route).where(Route.route_id == "AB"))
        return airport.name_ar, airport.name_fr, hotel.name_fr, hotel.name_ar, route.long_name_ar, route.long_name_fr

    assert names() == ("محطة المطار", "Aéroport du comté de Nye", "Hôtel Stagecoach", None, "المطار - بولفروغ", None)
    exported = export_feed(db.session)
    assert "stops,stop_name,ar,محطة المطار,BEATTY_AIRPORT" in files(exported)["translations.txt"]
    import_feed(db.session, exported)
    assert names()[:5] == ("محطة المطار", "Aéroport du comté de Nye", "Hôtel Stagecoach", None, "المطار - بولفروغ")


def test_the_sample_feed_round_trips_through_an_export(db):
    import_feed(db.session, SAMPLE)
    before = snapshot(db)

    import_feed(db.session, export_feed(db.session))

    assert_same_network(before, snapshot(db))


def test_a_new_feed_replaces_the_whole_previous_network(db):
    import_feed(db.session, SAMPLE)
    smaller = replace_line(
        SAMPLE, "stops.txt", "AMV,Amargosa Valley (Demo),,36.641496,-116.400940,,", "AMV,Amargosa,,36.64,-116.40,,"
    )
    smaller = edited(
        smaller,
        frequencies_txt=None,
        calendar_dates_txt=None,
    )

    import_feed(db.session, smaller, source_name="smaller.zip")

    assert count(db, Frequency) == count(db, CalendarDate) == 0
    assert count(db, Stop) == 9 and count(db, TransitFeed) == 1
    assert db.session.scalar(select(Stop.name).where(Stop.stop_id == "AMV")) == "Amargosa"
    assert db.session.scalar(select(TransitFeed.source_name)) == "smaller.zip"


STOP_TIMES_AB1 = "AB1,8:10:00,8:15:00,BULLFROG,2,,,,"


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        pytest.param(
            lambda: replace_line(SAMPLE, "stop_times.txt", STOP_TIMES_AB1, "AB1,8:10:00,8:15:00,NOWHERE,2,,,,"),
            [("stop_times.txt", 14, "stop_id", "reference_unknown", {"value": "NOWHERE", "target": "stops.txt"})],
            id="a stop time at an unknown stop",
        ),
        pytest.param(
            lambda: replace_line(SAMPLE, "stop_times.txt", STOP_TIMES_AB1, "AB1,25:61:00,8:15:00,BULLFROG,2,,,,"),
            [("stop_times.txt", 14, "arrival_time", "time_invalid", {"value": "25:61:00"})],
            id="a time with 61 minutes",
        ),
        pytest.param(
            lambda: edited(
                SAMPLE,
                stops_txt="\n".join(
                    ",".join(c for i, c in enumerate(line.split(",")) if i != 3)
                    for line in files(SAMPLE)["stops.txt"].splitlines()
                ),
            ),
            [("stops.txt", None, "stop_lat", "column_missing", {})],
            id="no stop_lat column",
        ),
        pytest.param(
            lambda: edited(SAMPLE, stops_txt=files(SAMPLE)["stops.txt"] + "NADAV,Again,,36.9,-116.7,,\n"),
            [("stops.txt", 10, "stop_id", "id_duplicate", {"value": "NADAV", "first": 5})],
            id="a stop_id used twice",
        ),
        pytest.param(
            lambda: edited(SAMPLE, agency_txt=None),
            [("agency.txt", None, None, "file_missing", {})]
            + [("routes.txt", n, "agency_id", "reference_unknown", {"value": "DTA"}) for n in range(1, 6)],
            id="no agency",
        ),
        pytest.param(
            lambda: edited(SAMPLE, calendar_txt=None, calendar_dates_txt=None),
            [("calendar.txt", None, None, "calendar_missing", {})]
            + [("trips.txt", n, "service_id", "reference_unknown", {}) for n in range(1, 12)],
            id="no calendar",
        ),
        pytest.param(
            lambda: replace_line(SAMPLE, "stop_times.txt", STOP_TIMES_AB1, "AB1,8:10:00,7:15:00,BULLFROG,2,,,,"),
            [("stop_times.txt", 14, "departure_time", "arrival_after_departure", {})],
            id="a departure before the arrival",
        ),
        pytest.param(
            lambda: replace_line(SAMPLE, "stop_times.txt", STOP_TIMES_AB1, "AB1,7:50:00,7:55:00,BULLFROG,2,,,,"),
            [("stop_times.txt", 14, "arrival_time", "time_goes_back", {"previous": 13})],
            id="a stop reached before the trip left the previous one",
        ),
        pytest.param(
            lambda: replace_line(
                SAMPLE,
                "stops.txt",
                "BULLFROG,Bullfrog (Demo),,36.881080,-116.817970,,",
                "BULLFROG,Bullfrog (Demo),,96.881080,-116.817970,,",
            ),
            [("stops.txt", 3, "stop_lat", "latitude_invalid", {"value": "96.881080"})],
            id="a latitude beyond the pole",
        ),
        pytest.param(
            lambda: replace_line(
                SAMPLE, "calendar.txt", "WE,0,0,0,0,0,1,1,20070101,20101231", "WE,0,0,0,0,0,1,1,20070101,20101331"
            ),
            [("calendar.txt", 2, "end_date", "date_invalid", {"value": "20101331"})],
            id="the 13th month",
        ),
        pytest.param(
            lambda: replace_line(SAMPLE, "trips.txt", "AB,FULLW,AB1,to Bullfrog,0,1.000000,", "AB,FULLW,AB1,x,0,1,S9"),
            [("trips.txt", 1, "shape_id", "reference_unknown", {"value": "S9", "target": "shapes.txt"})],
            id="a trip on an unknown shape",
        ),
    ],
)
def test_a_broken_feed_names_file_row_and_column_and_leaves_the_network_as_it_was(db, broken, expected):
    import_feed(db.session, SAMPLE)
    before = snapshot(db)

    with pytest.raises(FeedInvalid) as raised:
        import_feed(db.session, broken(), source_name="broken.zip")

    found = [(p.file, p.row, p.field, p.code, p.params) for p in raised.value.problems]
    for file, row, field, code, params in expected:
        assert any(f[:4] == (file, row, field, code) and params.items() <= f[4].items() for f in found), found
    assert len(found) == len(expected), found
    assert_same_network(before, snapshot(db))
    assert db.session.scalar(select(TransitFeed.source_name)) == "sample_gtfs.zip"


def test_a_file_that_is_no_zip_is_refused_as_unreadable(db):
    with pytest.raises(Invalid) as raised:
        read_feed(b"route_id,route_type\n1,3\n")
    assert raised.value.code == "gtfs_unreadable"
