"""Requests received and handled over a dashboard scope, counted by the database and grouped as a table needs.

The rules are the daily summary's (services.stats.summary), for the groupings it does not keep (by asset):
received, filed in the period, except a request filed without an account and not confirmed yet (it may never be;
once confirmed it counts on the day it was filed); handled, given its outcome in the period (resolved, rejected,
closed without action, or joined to another request as a duplicate); a request reopened since is not handled.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from services.requests.models import ServiceRequest
from services.stats.scope import Period, Scope
from services.workflow.states import Status


@dataclass(frozen=True)
class Tally:
    received: int = 0
    handled: int = 0


def utc_bounds(period: Period) -> tuple[datetime, datetime]:
    """The period's bounds in UTC, as times are stored (the embedded database compares them as text)."""
    start, end = period.bounds()
    return start.astimezone(UTC), end.astimezone(UTC)


def scope_filters(scope: Scope) -> list[ColumnElement]:
    """The district where the request was placed, the department that holds it now."""
    where = []
    if scope.district_id is not None:
        where.append(ServiceRequest.district_id == scope.district_id)
    if scope.department_id is not None:
        where.append(ServiceRequest.department_id == scope.department_id)
    return where


def tally(session: Session, scope: Scope, key: ColumnElement, where: Iterable[ColumnElement] = ()) -> dict[Any, Tally]:
    """{value of `key`: requests received and handled in the scope}, for the requests `where` selects."""
    start, end = utc_bounds(scope.period)
    received = and_(
        ServiceRequest.status != Status.PENDING_CONFIRMATION.value,
        ServiceRequest.filed_at >= start,
        ServiceRequest.filed_at < end,
    )
    handled = and_(
        ServiceRequest.outcome.is_not(None), ServiceRequest.handled_at >= start, ServiceRequest.handled_at < end
    )
    rows = session.execute(
        select(
            key,
            func.sum(case((received, 1), else_=0)),
            func.sum(case((handled, 1), else_=0)),
        )
        .where(or_(received, handled), *where, *scope_filters(scope))
        .group_by(key)
    )
    return {value: Tally(int(got or 0), int(done or 0)) for value, got, done in rows}
