from datetime import UTC, date, datetime, timedelta

from services.clock import LOCAL_TZ
from services.requests.deadlines import add_working_days, deadline, is_working_day


def test_weekends_do_not_count():
    # Friday + 1 working day is Monday.
    assert add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)


def test_national_holidays_do_not_count():
    # Filed Friday 13 November 2026; Wednesday 18 is Independence Day.
    assert add_working_days(date(2026, 11, 13), 5) == date(2026, 11, 23)
    assert not is_working_day(date(2026, 11, 18))


def test_religious_holidays_do_not_count():
    # Eid al-Fitr 2026 falls on Friday 20 and Saturday 21 March.
    assert not is_working_day(date(2026, 3, 20))
    assert add_working_days(date(2026, 3, 19), 1) == date(2026, 3, 23)
    # Eid al-Adha 2026, Wednesday 27 and Thursday 28 May.
    assert add_working_days(date(2026, 5, 26), 1) == date(2026, 5, 29)


def test_a_holiday_set_by_decree_moves_the_deadline():
    assert add_working_days(date(2026, 12, 1), 1) == date(2026, 12, 2)
    assert add_working_days(date(2026, 12, 1), 1, extra_holidays=[date(2026, 12, 2)]) == date(2026, 12, 3)


def test_working_day_deadlines_end_at_the_end_of_the_last_day_in_berkane():
    filed = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)
    due = deadline(filed, 1, "working_days")
    assert due.astimezone(LOCAL_TZ).date() == date(2026, 11, 24)
    assert (due.astimezone(LOCAL_TZ).hour, due.astimezone(LOCAL_TZ).minute) == (23, 59)


def test_hour_deadlines_count_clock_hours():
    filed = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    assert deadline(filed, 48, "hours") == filed + timedelta(hours=48)


def test_a_deadline_reads_back_as_the_same_moment_while_morocco_is_on_utc_plus_one(db, store):
    from services.db import as_utc
    from services.requests.models import ServiceRequest
    from tests.factories import make_request

    request = make_request(db.session, store, now=datetime(2026, 7, 6, 9, 0, tzinfo=UTC))
    kept = request.deadline_at
    db.session.commit()
    db.session.expire_all()
    assert as_utc(db.session.get(ServiceRequest, request.id).deadline_at) == kept
