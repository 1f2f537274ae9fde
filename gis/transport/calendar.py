"""Which services run on a date: calendar.txt's weekdays and date range, then calendar_dates.txt's exceptions."""

from datetime import date

from sqlalchemy import BindParameter, CompoundSelect, literal, select, union
from sqlalchemy.orm import Session

from gis.transport.models import Calendar, CalendarDate

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def active_services_statement(day: date | BindParameter, weekday: int | None = None) -> CompoundSelect:
    """A SELECT of the service_ids running on `day`, to use as a subquery (`Trip.service_id.in_(...)`).

    `day` may be a bound parameter, for a statement built once and run for many dates of one weekday (0 is
    Monday), which must then be given.
    """
    if weekday is None:
        weekday = day.weekday()
    runs_that_weekday = getattr(Calendar, _WEEKDAYS[weekday])
    removed = select(CalendarDate.service_id).where(CalendarDate.date == day, CalendarDate.exception_type == 2)
    by_calendar = select(Calendar.service_id).where(
        runs_that_weekday.is_(True),
        Calendar.start_date <= day,
        Calendar.end_date >= day,
        Calendar.service_id.not_in(removed),
    )
    added = select(CalendarDate.service_id).where(CalendarDate.date == day, CalendarDate.exception_type == 1)
    return union(by_calendar, added)


def active_service_ids(session: Session, day: date) -> set[str]:
    """The service_ids running on `day`."""
    return set(session.scalars(active_services_statement(day)))


def runs_on(session: Session, service_id: str, day: date) -> bool:
    """Whether one service runs on `day`."""
    statement = active_services_statement(day).subquery()
    return session.scalar(select(literal(True)).where(statement.c.service_id == service_id)) or False
