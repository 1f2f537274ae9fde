"""Which services run on a date: weekdays within the date range, then added and removed dates."""

from datetime import date

from gis.transport.calendar import active_service_ids, runs_on
from tests.factories import make_calendar, make_calendar_date

MONDAY = date(2026, 11, 23)
SATURDAY = date(2026, 11, 28)


def test_a_weekday_service_runs_on_monday_and_not_on_saturday(db):
    make_calendar(db.session, "WK", "1111100")
    assert active_service_ids(db.session, MONDAY) == {"WK"}
    assert active_service_ids(db.session, SATURDAY) == set()


def test_a_service_does_not_run_outside_its_date_range(db):
    make_calendar(db.session, "WK", "1111111", start=date(2026, 12, 1), end=date(2026, 12, 31))
    assert not runs_on(db.session, "WK", MONDAY)
    assert runs_on(db.session, "WK", date(2026, 12, 1))
    assert runs_on(db.session, "WK", date(2026, 12, 31))
    assert not runs_on(db.session, "WK", date(2027, 1, 1))


def test_a_removed_date_cancels_the_service_and_an_added_date_runs_it(db):
    make_calendar(db.session, "WK", "1111100")
    make_calendar(db.session, "WE", "0000011")
    make_calendar_date(db.session, "WK", MONDAY, 2)  # a holiday: the weekday service stops
    make_calendar_date(db.session, "WE", MONDAY, 1)  # and the weekend service runs instead
    assert active_service_ids(db.session, MONDAY) == {"WE"}


def test_a_service_known_only_from_calendar_dates_runs_on_its_added_dates(db):
    make_calendar_date(db.session, "FEST", SATURDAY, 1)
    assert active_service_ids(db.session, SATURDAY) == {"FEST"}
    assert active_service_ids(db.session, MONDAY) == set()
