"""Days off declared by decree move the legal deadlines of the open requests that run over them."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from services.accounts.models import Role
from services.casework import actions
from services.clock import local
from services.db import as_utc
from services.errors import Invalid, NotFound
from services.requests import holidays
from services.requests.deadlines import public_holidays
from services.requests.models import Holiday, RequestEvent
from tests.factories import make_request, make_service, make_user

# Tuesday 1 December 2026, a working day; ten working days later is Tuesday 15 December.
FILED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NAMES = {"name_ar": "عطلة استثنائية", "name_fr": "Jour chômé exceptionnel", "decree": "Décret n° 2-26-900"}


@pytest.fixture
def admin(db):
    return make_user(db.session, Role.ADMIN)


@pytest.fixture
def service(db):
    return make_service(db.session, delay_value=10, target_value=5)


@pytest.fixture
def filed(db, store, service):
    """An open request filed on 1 December: due 15 December, internal target 8 December."""
    request = make_request(db.session, store, service=service, now=FILED)
    assert (request.deadline_date, _local_date(request.target_at)) == (date(2026, 12, 15), date(2026, 12, 8))
    return request


def _local_date(moment) -> date:
    return local(as_utc(moment)).date()


def moves(db, request) -> list[RequestEvent]:
    return list(
        db.session.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == request.id, RequestEvent.action == "deadline_moved")
            .order_by(RequestEvent.id)
        )
    )


def test_a_working_day_off_inside_the_window_moves_the_deadline_by_one_working_day(db, filed, admin):
    holiday, moved = holidays.add_holiday(db.session, day="2026-12-08", **NAMES, user=admin)
    assert moved == [filed]
    assert filed.deadline_date == date(2026, 12, 16)
    assert _local_date(filed.target_at) == date(2026, 12, 9)  # the internal target moves too
    [entry] = moves(db, filed)
    assert entry.is_public and entry.actor_kind == "system" and entry.actor_id == admin.id
    assert entry.data["holiday"] == "2026-12-08"
    assert entry.data["from"].startswith("2026-12-15") and entry.data["to"].startswith("2026-12-16")
    assert holiday.day == date(2026, 12, 8) and holiday.created_by_id == admin.id


@pytest.mark.parametrize(
    "day",
    [
        "2026-12-05",  # a Saturday: already not a working day
        "2026-12-17",  # after the deadline
        "2026-11-30",  # before the request was filed
        "2026-12-01",  # the day of filing, which never counts
    ],
)
def test_a_day_off_outside_the_window_or_on_a_weekend_moves_nothing(db, filed, admin, day):
    _holiday, moved = holidays.add_holiday(db.session, day=day, **NAMES, user=admin)
    assert moved == [] and filed.deadline_date == date(2026, 12, 15)
    assert moves(db, filed) == []


def test_removing_the_day_off_brings_the_deadline_back_and_says_so(db, filed, admin):
    holiday, _moved = holidays.add_holiday(db.session, day=date(2026, 12, 8), **NAMES, user=admin)
    moved = holidays.remove_holiday(db.session, holiday.id, user=admin)
    assert moved == [filed]
    assert filed.deadline_date == date(2026, 12, 15)
    assert _local_date(filed.target_at) == date(2026, 12, 8)
    back = moves(db, filed)[-1]
    assert back.data["from"].startswith("2026-12-16") and back.data["to"].startswith("2026-12-15")
    assert db.session.get(Holiday, holiday.id) is None
    with pytest.raises(NotFound, match="holiday_not_found"):
        holidays.remove_holiday(db.session, holiday.id, user=admin)


def test_a_closed_request_is_never_moved(db, store, service, filed, admin):
    agent = make_user(db.session, Role.AGENT, department=service.department)
    decided = make_request(db.session, store, service=service, now=FILED)
    actions.reject(db.session, decided, user=agent, reason="Hors du territoire de la commune")
    _holiday, moved = holidays.add_holiday(db.session, day="2026-12-08", **NAMES, user=admin)
    assert moved == [filed]
    assert decided.deadline_date == date(2026, 12, 15) and moves(db, decided) == []


def test_a_deadline_counted_in_hours_does_not_move(db, store, admin):
    service = make_service(db.session, delay_value=48, delay_unit="hours")
    request = make_request(db.session, store, service=service, now=FILED)
    _holiday, moved = holidays.add_holiday(db.session, day="2026-12-02", **NAMES, user=admin)
    assert moved == [] and moves(db, request) == []


def test_a_day_already_declared_is_refused(db, admin):
    holidays.add_holiday(db.session, day="2026-12-08", **NAMES, user=admin)
    with pytest.raises(Invalid) as exc:
        holidays.add_holiday(db.session, day="2026-12-08", **NAMES, user=admin)
    assert (exc.value.field, exc.value.code) == ("day", "holiday_exists")


@pytest.mark.parametrize("day", ["2026-02-30", "08/12/2026", "", None])
def test_a_date_that_does_not_exist_is_refused(db, admin, day):
    with pytest.raises(Invalid) as exc:
        holidays.add_holiday(db.session, day=day, **NAMES, user=admin)
    assert (exc.value.field, exc.value.code) == ("day", "date_invalid")


def test_every_problem_is_reported_at_once_and_nothing_is_saved(db, admin):
    before = len(holidays.list_holidays(db.session))
    with pytest.raises(Invalid) as exc:
        holidays.add_holiday(db.session, day="soon", name_ar=" ", name_fr="", decree="d" * 201, user=admin)
    assert {(e.field, e.code) for e in exc.value.errors} == {
        ("day", "date_invalid"),
        ("name_ar", "name_ar_required"),
        ("name_fr", "name_fr_required"),
        ("decree", "text_too_long"),
    }
    assert len(holidays.list_holidays(db.session)) == before


def test_declared_days_are_listed_newest_first(db, admin):
    holidays.add_holiday(db.session, day="2026-12-08", **NAMES, user=admin)
    holidays.add_holiday(db.session, day="2027-01-04", **NAMES, user=admin)
    days = [h.day for h in holidays.list_holidays(db.session)]
    assert days == sorted(days, reverse=True) and date(2027, 1, 4) in days


def test_the_public_holidays_are_named_in_arabic_or_french():
    arabic, french = dict(public_holidays(2026, "ar")), dict(public_holidays(2026, "fr"))
    assert arabic[date(2026, 7, 30)] == "عيد العرش" and french[date(2026, 7, 30)] == "Fête du Trône"
    assert dict(public_holidays(2026, "xx")) == french
