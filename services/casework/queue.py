"""A department's queue: what its staff see, filtered, searched, sorted and paged in the database."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from gis import spatial
from gis.districts.models import District
from services.accounts.models import User
from services.catalog.text import normalise
from services.db import Page, utcnow
from services.requests import tracking
from services.requests.models import ServiceRequest
from services.workflow.states import OPEN_STATES, Status

DUE_SOON = timedelta(hours=48)
PER_PAGE = 25
SEARCH_TERMS_MAX = 8


class StatusFilter(StrEnum):
    OPEN = "open"  # every state in which the department owes an answer (the default)
    ALL = "all"


class Assigned(StrEnum):
    ME = "me"
    UNASSIGNED = "unassigned"


class Due(StrEnum):
    OVERDUE = "overdue"
    SOON = "soon"  # not overdue yet, due within 48 hours


class Sort(StrEnum):
    DEADLINE = "deadline"  # most urgent first
    FILED = "filed"  # newest first
    UPDATED = "updated"  # most recently changed first


# Requests waiting for their email confirmation are not the department's yet.
VISIBLE = [s.value for s in Status if s is not Status.PENDING_CONFIRMATION]
OPEN = [s.value for s in OPEN_STATES]


@dataclass(frozen=True)
class QueueFilter:
    status: str = StatusFilter.OPEN.value  # "open", "all" or one Status value
    service_id: int | None = None
    district_id: int | None = None
    assigned: str | None = None
    due: str | None = None
    q: str = ""
    sort: str = Sort.DEADLINE.value


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def in_district(district_id: int) -> ColumnElement[bool]:
    """Where the request's point lies in the district's polygon; a request without a point by its declared district."""
    polygon = exists().where(District.id == district_id, spatial.intersects(District.geom, ServiceRequest.location))
    return or_(
        and_(ServiceRequest.location.is_not(None), polygon),
        and_(ServiceRequest.location.is_(None), ServiceRequest.district_id == district_id),
    )


def _search(query: str) -> list[ColumnElement[bool]]:
    number = tracking.parse_number(query)
    if number is not None:
        return [ServiceRequest.tracking_number == number]
    conditions = []
    for term in normalise(query).split()[:SEARCH_TERMS_MAX]:
        pattern = _like(term)
        citizen = exists().where(
            User.id == ServiceRequest.citizen_id, func.lower(User.full_name).like(pattern, escape="\\")
        )
        conditions.append(
            or_(
                ServiceRequest.search_text.like(pattern, escape="\\"),
                ServiceRequest.tracking_number.like(_like(term.upper()), escape="\\"),
                citizen,
            )
        )
    return conditions


def conditions(department_id: int, f: QueueFilter, *, user_id: int, now: datetime) -> list[ColumnElement[bool]]:
    where = [ServiceRequest.department_id == department_id, ServiceRequest.status.in_(VISIBLE)]
    if f.status == StatusFilter.OPEN:
        where.append(ServiceRequest.status.in_(OPEN))
    elif f.status != StatusFilter.ALL:
        where.append(ServiceRequest.status == f.status if f.status in VISIBLE else false())
    if f.service_id:
        where.append(ServiceRequest.service_id == f.service_id)
    if f.district_id:
        where.append(in_district(f.district_id))
    if f.assigned == Assigned.ME:
        where.append(ServiceRequest.assigned_to_id == user_id)
    elif f.assigned == Assigned.UNASSIGNED:
        where.append(ServiceRequest.assigned_to_id.is_(None))
    if f.due == Due.OVERDUE:
        where += [ServiceRequest.status.in_(OPEN), ServiceRequest.deadline_at < now]
    elif f.due == Due.SOON:
        where += [
            ServiceRequest.status.in_(OPEN),
            ServiceRequest.deadline_at >= now,
            ServiceRequest.deadline_at < now + DUE_SOON,
        ]
    if f.q.strip():
        where += _search(f.q)
    return where


_ORDER = {
    Sort.DEADLINE: (ServiceRequest.deadline_at.asc(), ServiceRequest.id.asc()),
    Sort.FILED: (ServiceRequest.filed_at.desc(), ServiceRequest.id.desc()),
    Sort.UPDATED: (ServiceRequest.updated_at.desc(), ServiceRequest.id.desc()),
}


def department_queue(
    session: Session,
    department_id: int,
    f: QueueFilter,
    *,
    user_id: int,
    page: int = 1,
    per_page: int = PER_PAGE,
    now: datetime | None = None,
) -> Page[ServiceRequest]:
    now = now or utcnow()
    where = conditions(department_id, f, user_id=user_id, now=now)
    total = session.scalar(select(func.count()).select_from(ServiceRequest).where(*where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    order = _ORDER.get(f.sort, _ORDER[Sort.DEADLINE])
    items = session.scalars(
        select(ServiceRequest)
        .where(*where)
        .options(
            selectinload(ServiceRequest.service_version),
            selectinload(ServiceRequest.assigned_to),
            selectinload(ServiceRequest.district),
        )
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(items=list(items), total=total, page=page, per_page=per_page)


@dataclass(frozen=True)
class QueueCounts:
    open: int
    unassigned: int
    mine: int
    overdue: int
    due_soon: int


def counts(session: Session, department_id: int, *, user_id: int, now: datetime | None = None) -> QueueCounts:
    """The figures at the top of the queue, in one query."""
    now = now or utcnow()
    r = ServiceRequest
    row = session.execute(
        select(
            func.count(),
            func.count().filter(r.assigned_to_id.is_(None)),
            func.count().filter(r.assigned_to_id == user_id),
            func.count().filter(r.deadline_at < now),
            func.count().filter(r.deadline_at >= now, r.deadline_at < now + DUE_SOON),
        ).where(r.department_id == department_id, r.status.in_(OPEN))
    ).one()
    return QueueCounts(*row)
