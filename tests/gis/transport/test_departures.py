"""Next departures at a stop: calendars and their exceptions, frequencies, times past midnight, timezones; and the
timetable of whole service days checked against gtfs-kit on the Cairns and sample feeds."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from gis.transport.departures import load_timezone, next_departures, service_day_departures, service_day_start
from gis.transport.models import Agency, Frequency, StopTime
from services.clock import LOCAL_TZ
from tests.factories import make_calendar, make_calendar_date, make_route, make_stop, make_trip

CASA = LOCAL_TZ  # the pinned tzdata's Africa/Casablanca: UTC+0 since 2026-09-20
MONDAY = date(2026, 11, 23)
FRIDAY = date(2026, 11, 27)
SATURDAY = date(2026, 11, 28)


def at(day: date, clock: str, tz=CASA) -> datetime:
    return datetime.combine(day, datetime.strptime(clock, "%H:%M").time(), tz)


def clocks(departures) -> list[str]:
    """'Mon 08:00' for each departure, in its own (local) time."""
    return [d.at.strftime("%a %H:%M") for d in departures]


@pytest.fixture
def line(db):
    """Three stops on one route; weekday (WK) and weekend (WE) services all year 2026."""
    make_calendar(db.session, "WK", "1111100")
    make_calendar(db.session, "WE", "0000011")
    stops = [make_stop(db.session, stop_id=f"ST{n}", name=f"Stop {n}") for n in range(3)]
    route = make_route(db.session, route_id="L1", short_name="1", color="0B5D3B")
    return stops, route


def test_weekday_trips_run_on_weekdays_and_weekend_trips_at_weekends(db, line):
    stops, route = line
    make_trip(db.session, route, "WK", stops, ("08:00:00", "08:10:00", "08:20:00"), headsign="Centre")
    make_trip(db.session, route, "WE", stops, ("09:00:00", "09:10:00", "09:20:00"), headsign="Centre")

    monday = next_departures(db.session, stops[0], now=at(MONDAY, "07:00"))
    assert clocks(monday) == ["Mon 08:00", "Tue 08:00"]
    friday = next_departures(db.session, stops[0], now=at(FRIDAY, "07:00"))
    assert clocks(friday) == ["Fri 08:00", "Sat 09:00"]
    saturday = next_departures(db.session, stops[1], now=at(SATURDAY, "07:00"))
    assert clocks(saturday) == ["Sat 09:10", "Sun 09:10"]
    first = monday[0]
    assert (first.route_id, first.route_short_name, first.route_color) == ("L1", "1", "0B5D3B")
    assert first.headsign == "Centre"
    assert first.at.tzinfo is CASA
    assert not first.arrives_only


def test_a_bus_that_has_left_is_not_listed_and_one_leaving_now_is(db, line):
    stops, route = line
    make_trip(db.session, route, "WK", stops, ("08:00:00", "08:10:00", "08:20:00"))
    assert clocks(next_departures(db.session, stops[0], now=at(MONDAY, "08:00"))) == ["Mon 08:00", "Tue 08:00"]
    just_after = at(MONDAY, "08:00") + timedelta(seconds=1)
    assert clocks(next_departures(db.session, stops[0], now=just_after)) == ["Tue 08:00"]


def test_on_an_exception_day_the_removed_service_stops_and_the_added_one_runs(db, line):
    stops, route = line
    make_trip(db.session, route, "WK", stops, ("08:00:00", "08:10:00", "08:20:00"))
    make_trip(db.session, route, "WE", stops, ("09:00:00", "09:10:00", "09:20:00"))
    make_calendar_date(db.session, "WK", MONDAY, 2)  # a public holiday: the weekend timetable
    make_calendar_date(db.session, "WE", MONDAY, 1)
    assert clocks(next_departures(db.session, stops[0], now=at(MONDAY, "06:00"))) == ["Mon 09:00", "Tue 08:00"]
    assert [d.service_day for d in service_day_departures(db.session, stops[0], MONDAY)] == [MONDAY]


def test_a_trip_after_midnight_leaves_the_next_calendar_day(db, line):
    stops, route = line
    make_trip(db.session, route, "WK", stops, ("25:10:00", "25:20:00", "25:30:00"), trip_id="LATE")

    # Friday's last bus leaves on Saturday at 01:10, though the weekday service does not run on Saturdays.
    saturday_night = next_departures(db.session, stops[0], now=at(SATURDAY, "00:30"))
    assert clocks(saturday_night) == ["Sat 01:10"]
    late = saturday_night[0]
    assert (late.service_day, late.seconds, late.trip_id) == (FRIDAY, 25 * 3600 + 600, "LATE")
    # On Monday night (Sunday's service) there is none; Monday's own shows on Tuesday at 01:10.
    assert clocks(next_departures(db.session, stops[0], now=at(MONDAY, "00:30"))) == ["Tue 01:10"]
    # The service day's timetable keeps the feed's time.
    timetable = service_day_departures(db.session, stops[0], MONDAY)
    assert [(d.seconds, d.at) for d in timetable] == [(90600, at(MONDAY + timedelta(days=1), "01:10"))]


def test_a_frequency_based_trip_repeats_from_its_window_with_the_offsets_of_its_stop_times(db, line):
    stops, route = line
    trip = make_trip(db.session, route, "WK", stops, ("06:00:00", "06:10:00", "06:25:00"))
    db.session.add_all(
        [
            Frequency(trip_id=trip.id, start_s=6 * 3600, end_s=8 * 3600, headway_s=1800, exact_times=0),
            Frequency(trip_id=trip.id, start_s=17 * 3600, end_s=17 * 3600 + 1200, headway_s=600, exact_times=1),
        ]
    )
    db.session.flush()

    found = next_departures(db.session, stops[1], now=at(MONDAY, "06:45"), until=at(MONDAY, "23:59"))
    # Trips start at 06:00, 06:30, 07:00 and 07:30 (08:00 is the window's end), and at 17:00 and 17:10.
    assert clocks(found) == ["Mon 07:10", "Mon 07:40", "Mon 17:10", "Mon 17:20"]
    assert [d.headway_s for d in found] == [1800, 1800, None, None]  # exact_times=1: timetabled times
    whole_day = service_day_departures(db.session, stops[0], MONDAY)
    assert [d.at.strftime("%H:%M") for d in whole_day] == ["06:00", "06:30", "07:00", "07:30", "17:00", "17:10"]


def test_the_last_stop_and_a_stop_without_pickup_are_arrivals_only(db, line):
    stops, route = line
    trip = make_trip(db.session, route, "WK", stops, ("08:00:00", "08:10:00", "08:20:00"), headsign="Gare")
    db.session.execute(
        update(StopTime).where(StopTime.trip_id == trip.id, StopTime.stop_sequence == 2).values(pickup_type=1)
    )
    now = at(MONDAY, "07:00")
    assert [d.arrives_only for d in next_departures(db.session, stops[0], now=now)] == [False, False]
    assert [d.arrives_only for d in next_departures(db.session, stops[1], now=now)] == [True, True]
    assert [d.arrives_only for d in next_departures(db.session, stops[2], now=now)] == [True, True]
    assert next_departures(db.session, stops[2], now=now, boarding_only=True) == []
    assert len(next_departures(db.session, stops[0], now=now, boarding_only=True)) == 2


def test_the_stops_own_headsign_wins_over_the_trips(db, line):
    stops, route = line
    trip = make_trip(db.session, route, "WK", stops, ("08:00:00", "08:10:00", "08:20:00"), headsign="Gare")
    db.session.execute(
        update(StopTime)
        .where(StopTime.trip_id == trip.id, StopTime.stop_sequence == 1)
        .values(stop_headsign="Gare via Centre")
    )
    now = at(MONDAY, "07:00")
    assert next_departures(db.session, stops[0], now=now)[0].headsign == "Gare via Centre"
    assert next_departures(db.session, stops[1], now=now)[0].headsign == "Gare"


def test_the_limit_keeps_the_soonest(db, line):
    stops, route = line
    for hour in range(6, 22):
        make_trip(db.session, route, "WK", stops, (f"{hour:02}:00:00", f"{hour:02}:10:00", f"{hour:02}:20:00"))
    found = next_departures(db.session, stops[0], now=at(MONDAY, "12:30"), limit=3)
    assert clocks(found) == ["Mon 13:00", "Mon 14:00", "Mon 15:00"]
    # Tomorrow's buses come after today's, all of them until the end of tomorrow.
    assert len(next_departures(db.session, stops[0], now=at(MONDAY, "12:30"))) == 9 + 16


def test_times_are_in_the_agencys_timezone(db, line):
    stops, route = line
    db.session.add(Agency(agency_id="", name="Sunbus", url="https://example.org", timezone="Australia/Brisbane"))
    db.session.flush()
    make_trip(db.session, route, "WK", stops, ("08:00:00", "08:10:00", "08:20:00"))
    brisbane = load_timezone("Australia/Brisbane")
    # Sunday 23:30 in UTC is Monday 09:30 in Brisbane: the next bus is Tuesday's.
    found = next_departures(db.session, stops[0], now=datetime(2026, 11, 22, 23, 30, tzinfo=UTC))
    assert clocks(found) == ["Tue 08:00"]
    assert found[0].at == datetime(2026, 11, 24, 8, 0, tzinfo=brisbane)
    assert found[0].at.astimezone(UTC) == datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    # Sunday 21:00 in UTC is Monday 07:00 in Brisbane: Monday's 08:00 and Tuesday's.
    assert clocks(next_departures(db.session, stops[0], now=datetime(2026, 11, 22, 21, 0, tzinfo=UTC))) == [
        "Mon 08:00",
        "Tue 08:00",
    ]


def test_moroccan_time_follows_the_pinned_rules(db, line):
    stops, route = line
    make_trip(db.session, route, "WK", stops, ("08:00:00", "08:10:00", "08:20:00"))
    ramadan, june = date(2026, 3, 2), date(2026, 6, 1)  # Mondays: GMT+0 during Ramadan, GMT+1 in June
    found = next_departures(db.session, stops[0], now=at(ramadan, "06:00"))
    assert [d.at.astimezone(UTC).strftime("%H:%M") for d in found] == ["08:00", "08:00"]
    found = next_departures(db.session, stops[0], now=at(june, "06:00"))
    assert [d.at.astimezone(UTC).strftime("%H:%M") for d in found] == ["07:00", "07:00"]
    # Since the decree of 2026 (pinned tzdata), GMT+0 all year: the system's older copy may still say GMT+1.
    found = next_departures(db.session, stops[0], now=at(MONDAY, "06:00"))
    assert [d.at.astimezone(UTC).strftime("%H:%M") for d in found] == ["08:00", "08:00"]


def test_on_the_day_clocks_change_times_count_from_noon_minus_twelve_hours():
    paris = load_timezone("Europe/Paris")
    spring = date(2026, 3, 29)  # 02:00 became 03:00
    start = service_day_start(spring, paris)
    assert start == datetime(2026, 3, 28, 22, 0, tzinfo=UTC)  # 23:00 the evening before, local time
    assert (start + timedelta(hours=8)).astimezone(paris).strftime("%H:%M") == "08:00"
    assert service_day_start(MONDAY, CASA) == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


def test_a_stop_without_buses_has_no_departures(db, line):
    stops, _route = line
    assert next_departures(db.session, stops[0], now=at(MONDAY, "07:00")) == []
    assert service_day_departures(db.session, stops[0], MONDAY) == []


def test_now_must_be_aware(db, line):
    stops, _route = line
    with pytest.raises(ValueError):
        next_departures(db.session, stops[0], now=datetime(2026, 11, 23, 8, 0))


def test_stop_times_without_a_time_are_skipped(db, line):
    stops, route = line
    trip = make_trip(db.session, route, "WK", stops, ("08:00:00", "08:10:00", "08:20:00"))
    row = db.session.scalar(select(StopTime).where(StopTime.trip_id == trip.id, StopTime.stop_sequence == 2))
    row.arrival_s = row.departure_s = None  # left to interpolation by the feed
    db.session.flush()
    assert next_departures(db.session, stops[1], now=at(MONDAY, "07:00")) == []


# --------------------------------------------------------------------------- against gtfs-kit, on real feeds

CAIRNS_DAYS = {
    "weekday": date(2014, 6, 3),  # a Tuesday
    "friday": date(2014, 6, 6),  # the weekday service and a Friday-only one
    "saturday": date(2014, 6, 7),
    "sunday": date(2014, 6, 8),
    "holiday": date(2014, 6, 9),  # a Monday run on the Sunday timetable (calendar_dates)
}
# The busiest stop, two more in town, one with times past 24:00, and a terminus where buses set down only.
CAIRNS_STOPS = ("750449", "750047", "750133", "750040", "750338")
SAMPLE_DAYS = {
    "weekday": date(2007, 6, 5),
    "saturday": date(2007, 6, 9),  # the weekend service joins the every-day one
    "exception": date(2007, 6, 4),  # the every-day service is removed on this Monday
}
SAMPLE_STOPS = ("STAGECOACH", "NANAA", "EMSI", "BEATTY_AIRPORT", "BULLFROG", "AMV")


def _gtfs_kit_departures(feed, stop_id: str, day: date) -> list[tuple[str, int]]:
    """(trip_id, departure seconds) of the stop's timetable for `day`, as gtfs-kit builds it from the same feed:
    frequencies expanded into trips named <trip>-freq-<n>; stop times the feed leaves to interpolation skipped."""
    import gtfs_kit.helpers as hp
    import pandas as pd

    frequency_trips = set() if feed.frequencies is None else set(feed.frequencies["trip_id"])
    table = feed.expand_frequencies().build_stop_timetable(stop_id, [day.strftime("%Y%m%d")])
    found = []
    for trip_id, departure in zip(table["trip_id"], table["departure_time"], strict=True):
        if pd.isna(departure):
            continue
        template = trip_id.rsplit("-freq-", 1)[0]
        found.append((template if template in frequency_trips else trip_id, int(hp.timestr_to_seconds(departure))))
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


def _ours(db, stop_id: str, day: date) -> list[tuple[str, int]]:
    from gis.transport.queries import get_stop

    stop = get_stop(db.session, stop_id)
    found = [(d.trip_id, d.seconds) for d in service_day_departures(db.session, stop, day)]
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


def _compare(db, path, stops, days):
    """Import the feed, check each stop's timetable on each day; the gtfs-kit feed and the count compared."""
    import gtfs_kit

    from gis.transport.gtfs.importing import import_feed

    import_feed(db.session, path)
    feed = gtfs_kit.read_feed(path, dist_units="km")
    compared = 0
    for stop_id in stops:
        for label, day in days.items():
            expected = _gtfs_kit_departures(feed, stop_id, day)
            assert _ours(db, stop_id, day) == expected, (stop_id, label)
            compared += len(expected)
    return feed, compared


def test_the_cairns_timetables_match_gtfs_kits(db):
    from gis.transport.queries import get_stop
    from tests.gis.transport.feeds import CAIRNS

    feed, compared = _compare(db, CAIRNS, CAIRNS_STOPS, CAIRNS_DAYS)
    assert compared > 2000

    # A calendar day's departures, in Brisbane time: Friday's trips after 24:00, then Saturday's before.
    brisbane = load_timezone("Australia/Brisbane")
    friday, saturday = CAIRNS_DAYS["friday"], CAIRNS_DAYS["saturday"]
    for stop_id in ("750449", "750040"):
        expected = sorted(
            [
                (datetime.combine(saturday, datetime.min.time(), brisbane) + timedelta(seconds=s - 86400), trip)
                for trip, s in _gtfs_kit_departures(feed, stop_id, friday)
                if s >= 86400
            ]
            + [
                (datetime.combine(saturday, datetime.min.time(), brisbane) + timedelta(seconds=s), trip)
                for trip, s in _gtfs_kit_departures(feed, stop_id, saturday)
                if s < 86400
            ]
        )
        assert any(moment.hour < 5 for moment, _trip in expected)  # some of Friday's trips run after midnight
        found = next_departures(
            db.session,
            get_stop(db.session, stop_id),
            now=datetime.combine(saturday, datetime.min.time(), brisbane),
            until=datetime.combine(saturday + timedelta(days=1), datetime.min.time(), brisbane),
        )
        assert sorted((d.at, d.trip_id) for d in found) == expected
        assert all(d.at.tzinfo.key == "Australia/Brisbane" for d in found)


def test_the_sample_feeds_timetables_with_frequencies_and_exceptions_match_gtfs_kits(db):
    from tests.gis.transport.feeds import SAMPLE

    _feed, compared = _compare(db, SAMPLE, SAMPLE_STOPS, SAMPLE_DAYS)
    assert compared > 500
