"""The supervisors' reminder: each one gets the overdue and due-soon requests of their department."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.accounts.models import Department, Role, User
from services.casework.queue import DUE_SOON, OPEN
from services.db import as_utc, utcnow
from services.notifications import outbox
from services.notifications.models import MessageKind
from services.requests.models import ServiceRequest

ITEMS_MAX = 200  # a digest lists at most this many requests; the queue has the rest


@dataclass(frozen=True)
class Digest:
    department: Department
    overdue: list[ServiceRequest]
    due_soon: list[ServiceRequest]


def digests(session: Session, *, now: datetime | None = None) -> list[Digest]:
    """Per active department, its open requests past their legal deadline or due within 48 hours."""
    now = now or utcnow()
    late = session.scalars(
        select(ServiceRequest)
        .where(ServiceRequest.status.in_(OPEN), ServiceRequest.deadline_at < now + DUE_SOON)
        .options(selectinload(ServiceRequest.service_version), selectinload(ServiceRequest.assigned_to))
        .order_by(ServiceRequest.deadline_at, ServiceRequest.id)
    )
    by_department: dict[int, list[ServiceRequest]] = {}
    for request in late:
        by_department.setdefault(request.department_id, []).append(request)
    departments = session.scalars(
        select(Department)
        .where(Department.id.in_(by_department), Department.is_active.is_(True))
        .order_by(Department.code)
    )
    return [
        Digest(
            department=d,
            overdue=[r for r in by_department[d.id] if as_utc(r.deadline_at) < now],
            due_soon=[r for r in by_department[d.id] if as_utc(r.deadline_at) >= now],
        )
        for d in departments
    ]


def _item(request: ServiceRequest) -> dict:
    version = request.service_version
    return {
        "tracking_number": request.tracking_number,
        "service_name_ar": version.name_ar,
        "service_name_fr": version.name_fr,
        "status": request.status,
        "deadline_at": as_utc(request.deadline_at).isoformat(),
        "assignee": request.assigned_to.full_name if request.assigned_to else None,
        "path": f"/staff/requests/{request.tracking_number}",
    }


def send_digests(session: Session, *, now: datetime | None = None) -> list[tuple[User, Digest]]:
    """Put one email per supervisor in the outbox; departments with nothing late send nothing."""
    now = now or utcnow()
    sent = []
    for digest in digests(session, now=now):
        supervisors = session.scalars(
            select(User)
            .where(
                User.department_id == digest.department.id,
                User.role == Role.SUPERVISOR.value,
                User.is_active.is_(True),
            )
            .order_by(User.id)
        )
        for supervisor in supervisors:
            outbox.enqueue(
                session,
                kind=MessageKind.OVERDUE_DIGEST.value,
                recipient=supervisor.email,
                locale=supervisor.locale or "ar",
                context={
                    "department_ar": digest.department.name_ar,
                    "department_fr": digest.department.name_fr,
                    "overdue": [_item(r) for r in digest.overdue[:ITEMS_MAX]],
                    "due_soon": [_item(r) for r in digest.due_soon[:ITEMS_MAX]],
                    "overdue_count": len(digest.overdue),
                    "due_soon_count": len(digest.due_soon),
                    "at": now.isoformat(),
                    "path": "/staff/queue?due=overdue",
                },
            )
            sent.append((supervisor, digest))
    session.flush()
    return sent
