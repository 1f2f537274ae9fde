"""Days off declared by decree: they count like the public holidays in every legal deadline.

Declaring one moves the deadlines that run over that day, and the history of each
moved request says so.
"""

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.accounts.models import User
from services.clock import local
from services.db import as_utc
from services.errors import Invalid, NotFound, collect
from services.requests import deadlines
from services.requests.models import Holiday, ServiceRequest
from services.workflow import transitions
from services.workflow.states import OPEN_STATES
from services.workflow.transitions import Actor

TEXT_MAX = 200


def decreed_days(session: Session) -> frozenset[date]:
    return frozenset(session.scalars(select(Holiday.day)))


def list_holidays(session: Session) -> list[Holiday]:
    return list(session.scalars(select(Holiday).order_by(Holiday.day.desc())))


def _text(value: str | None, field: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise Invalid(f"{field}_required", field=field)
    if len(value) > TEXT_MAX:
        raise Invalid("text_too_long", field=field, max=TEXT_MAX)
    return value


def _day(session: Session, value) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value or "").strip())
        except ValueError:
            raise Invalid("date_invalid", field="day") from None
    if session.scalar(select(Holiday.id).where(Holiday.day == value)) is not None:
        raise Invalid("holiday_exists", field="day")
    return value


def add_holiday(
    session: Session, *, day, name_ar: str, name_fr: str, decree: str, user: User | None
) -> tuple[Holiday, list[ServiceRequest]]:
    """Declare a day off; returns it and the open requests whose deadline moved."""
    clean = collect(
        day=lambda: _day(session, day),
        name_ar=lambda: _text(name_ar, "name_ar"),
        name_fr=lambda: _text(name_fr, "name_fr"),
        decree=lambda: _text(decree, "decree"),
    )
    holiday = Holiday(**clean, created_by_id=user.id if user is not None else None)
    session.add(holiday)
    session.flush()
    return holiday, _reschedule(session, holiday.day, user)


def remove_holiday(session: Session, holiday_id: int, *, user: User | None) -> list[ServiceRequest]:
    """Withdraw a day declared by mistake; the deadlines it had moved come back."""
    holiday = session.get(Holiday, holiday_id)
    if holiday is None:
        raise NotFound("holiday_not_found")
    day = holiday.day
    session.delete(holiday)
    session.flush()
    return _reschedule(session, day, user)


def clock_start(request: ServiceRequest) -> datetime:
    """The legal delay runs from filing, or from the email confirmation for requests filed without an account."""
    return as_utc(request.contact_confirmed_at or request.filed_at)


def schedule(request: ServiceRequest, start: datetime, extra: frozenset[date]) -> None:
    """Set the legal deadline and the internal target of a request from `start`."""
    version = request.service_version
    # Stored in UTC like every time: the embedded database keeps a datetime's digits and drops its offset, so a
    # local deadline would read back an hour late while Morocco is on UTC+1.
    request.deadline_at = deadlines.deadline(start, version.delay_value, version.delay_unit, extra).astimezone(UTC)
    request.target_at = (
        deadlines.deadline(start, version.target_value, version.delay_unit, extra).astimezone(UTC)
        if version.target_value
        else None
    )


def _reschedule(session: Session, day: date, user: User | None) -> list[ServiceRequest]:
    extra = decreed_days(session)
    moved = []
    running = select(ServiceRequest).where(ServiceRequest.status.in_([s.value for s in OPEN_STATES]))
    for request in session.scalars(running):
        start = clock_start(request)
        if not local(start).date() <= day <= request.deadline_date:
            continue
        before = as_utc(request.deadline_at)
        schedule(request, start, extra)
        if as_utc(request.deadline_at) != before:
            moved.append(request)
            transitions.record(
                session,
                request,
                "deadline_moved",
                actor=Actor.SYSTEM,
                user=user,
                is_public=True,
                data={"holiday": day.isoformat(), "from": before.isoformat(), "to": request.deadline_at.isoformat()},
            )
    session.flush()
    return moved
