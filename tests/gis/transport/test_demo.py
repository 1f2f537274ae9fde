"""The demo bus network: a valid GTFS feed across the demo districts, imported through the GTFS importer."""

from datetime import date

import pytest
import shapely
from sqlalchemy import func, select

from gis import demo_city
from gis.districts import demo as district_demo
from gis.transport import demo
from gis.transport.calendar import active_service_ids
from gis.transport.gtfs import export_feed, import_feed, read_feed
from gis.transport.gtfs.spec import STOP_TIMES, STOPS, TRANSLATIONS, TRIPS
from gis.transport.models import Agency, Frequency, Route, Stop, TransitFeed, Trip
from services.demo import seed_districts
from tests.gis.transport.feeds import SAMPLE, assert_same_network, snapshot

TODAY = date(2026, 11, 23)
INDEPENDENCE_DAY = date(2026, 11, 18)  # a Wednesday


def _areas():
    found = sorted(district_demo.generate(), key=lambda d: d.code)
    return [demo_city.Area(n, d.code, d.name_ar, d.name_fr, d.geometry) for n, d in enumerate(found, start=1)]


def test_the_demo_feed_is_a_valid_feed_of_five_lines_and_about_forty_named_stops_across_the_town():
    areas = _areas()
    data = demo.generate(areas, 2026)
    feed = read_feed(data)

    assert feed.problems == []
    assert demo.generate(areas, 2026) == data  # the same districts and year, the same bytes
    assert feed.counts["routes.txt"] == 5 and 35 <= feed.counts["stops.txt"] <= 45
    town = shapely.union_all([a.geometry for a in areas])
    assert all(town.contains(shapely.Point(s["stop_lon"], s["stop_lat"])) for s in feed.rows(STOPS))
    names = {
        (t["record_id"], t["language"]): t["translation"] for t in feed.rows(TRANSLATIONS) if t["table_name"] == "stops"
    }
    for stop in feed.rows(STOPS):
        assert names[stop["stop_id"], "ar"].startswith("محطة ") and names[stop["stop_id"], "fr"].startswith("Arrêt ")
    assert ("BRK-B-001", "ar") in names and len(set(names.values())) == len(names)
    # Every stop is served, and the centre by the four lines across the town.
    calls = {}
    route_of = {t["trip_id"]: t["route_id"] for t in feed.rows(TRIPS)}
    for st in feed.rows(STOP_TIMES):
        calls.setdefault(st["stop_id"], set()).add(route_of[st["trip_id"]])
    assert len(calls) == feed.counts["stops.txt"]
    assert max(len(routes) for routes in calls.values()) == 4
    # The night bus of line 2 leaves after midnight of the service day.
    assert max(st["departure_time"] for st in feed.rows(STOP_TIMES)) > 24 * 3600 + 30 * 60


def test_seeding_the_demo_network_imports_it_and_seeding_again_changes_nothing(db):
    seed_districts(db.session)

    network = demo.seed_transport(db.session, today=TODAY)

    assert network.written and network.routes == 5 and 35 <= network.stops <= 45
    feed = db.session.scalar(select(TransitFeed))
    assert feed.is_demo and feed.source_name == demo.SOURCE_NAME and feed.publisher_name.startswith("Commune")
    agency = db.session.scalar(select(Agency))
    assert (agency.name, agency.timezone) == ("Berkane bus", "Africa/Casablanca")
    stop = db.session.scalar(select(Stop).where(Stop.stop_id == "BRK-B-001"))
    assert stop.name_ar.startswith("محطة ") and stop.name_fr.startswith("Arrêt ")
    line = db.session.scalar(select(Route).where(Route.route_id == "L1"))
    assert " – " in line.long_name_ar and line.long_name_fr == line.long_name and line.geom is not None
    assert db.session.scalar(select(func.count()).select_from(Frequency)) > 0
    # On a public holiday that falls on a weekday, the buses run as on a weekend.
    assert active_service_ids(db.session, INDEPENDENCE_DAY) == {demo.WEEKEND}
    assert active_service_ids(db.session, TODAY) == {demo.WEEKDAY}

    again = demo.seed_transport(db.session, today=TODAY)

    assert not again.written and again.trips == network.trips and again.stop_times == network.stop_times
    assert db.session.scalar(select(TransitFeed.id)) == feed.id


def test_seeding_the_demo_leaves_an_imported_network_alone(db):
    seed_districts(db.session)
    import_feed(db.session, SAMPLE)

    network = demo.seed_transport(db.session, today=TODAY)

    assert network.kept_imported and not network.written
    assert db.session.scalar(select(func.count()).select_from(Trip)) == 11
    assert db.session.scalar(select(TransitFeed.source_name)) == "sample_gtfs.zip"


def test_the_demo_network_needs_the_demo_districts():
    with pytest.raises(ValueError, match="demo districts"):
        demo.generate([], 2026)


def test_the_demo_network_comes_back_the_same_after_an_export_feed_info_and_names_included(db):
    seed_districts(db.session)
    demo.seed_transport(db.session, today=TODAY)
    before, feed = snapshot(db), db.session.scalar(select(TransitFeed))
    info = (feed.publisher_name, feed.publisher_url, feed.lang, feed.default_lang, feed.start_date, feed.end_date)

    import_feed(db.session, export_feed(db.session), source_name="export.zip")

    assert_same_network(before, snapshot(db))
    again = db.session.scalar(select(TransitFeed))
    assert (again.publisher_name, again.publisher_url, again.lang, again.default_lang) == info[:4]
    assert (again.start_date, again.end_date) == (date(2026, 1, 1), date(2027, 12, 31)) == info[4:]
    assert not again.is_demo  # an exported copy imported by hand is no longer the demo's own feed
