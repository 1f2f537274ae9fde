"""The table of allowed transitions, and the one function that moves a request along it.

Every transition checks where the request is, who is acting and what the move
requires, then writes a history entry in the same transaction and, when the
citizen should know, puts an email in the outbox.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.accounts.models import Role, User
from services.catalog.models import ServiceKind
from services.db import as_utc, utcnow
from services.errors import Invalid, InvalidTransition, NotAllowed
from services.notifications import outbox
from services.requests import assets
from services.requests.models import RequestEvent, ServiceRequest
from services.workflow.states import DECIDED_STATES, OPEN_STATES, Outcome, Status

REOPEN_DAYS = 7
NOTE_MAX = 4000
# The outcome each deciding action gives the request; reopening clears it.
OUTCOMES = {
    "resolve": Outcome.RESOLVED,
    "approve": Outcome.RESOLVED,
    "reject": Outcome.REJECTED,
    "close_without_action": Outcome.NO_ACTION,
    "merge": Outcome.DUPLICATE,
}


class Actor(StrEnum):
    CITIZEN = "citizen"  # the person who filed (signed in, or proven by the receipt's secret)
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    SYSTEM = "system"


STAFF = frozenset({Actor.AGENT, Actor.SUPERVISOR})
_NOT_CERTIFICATES = frozenset(k for k in ServiceKind if k is not ServiceKind.CERTIFICATE)


@dataclass(frozen=True)
class Transition:
    sources: frozenset[Status]
    target: Status
    actors: frozenset[Actor]
    needs_note: bool = False  # a motivated reason, a missing document's name, a reopening reason
    public: bool = True  # the citizen sees it in the history
    emails_citizen: bool = True  # and is told by email (not when the citizen made the move, nor on confirmation)
    kinds: frozenset[ServiceKind] = frozenset(ServiceKind)


TRANSITIONS: dict[str, Transition] = {
    # Confirming sends the receipt email instead (services.requests.service.confirm_contact).
    "confirm": Transition(
        frozenset({Status.PENDING_CONFIRMATION}), Status.NEW, frozenset({Actor.SYSTEM}), emails_citizen=False
    ),
    "acknowledge": Transition(frozenset({Status.NEW}), Status.ACKNOWLEDGED, STAFF),
    "assign": Transition(
        frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.ASSIGNED, Status.IN_PROGRESS}),
        Status.ASSIGNED,
        STAFF,
        public=False,
        emails_citizen=False,
    ),
    "start": Transition(frozenset({Status.ACKNOWLEDGED, Status.ASSIGNED}), Status.IN_PROGRESS, STAFF),
    "request_document": Transition(
        frozenset({Status.ACKNOWLEDGED, Status.ASSIGNED, Status.IN_PROGRESS}),
        Status.WAITING_CITIZEN,
        STAFF,
        needs_note=True,
    ),
    "provide_document": Transition(
        frozenset({Status.WAITING_CITIZEN}),
        Status.IN_PROGRESS,
        frozenset({Actor.CITIZEN}),
        needs_note=True,
        emails_citizen=False,
    ),
    "resolve": Transition(frozenset({Status.IN_PROGRESS}), Status.RESOLVED, STAFF, kinds=_NOT_CERTIFICATES),
    "approve": Transition(
        frozenset({Status.IN_PROGRESS}), Status.APPROVED, STAFF, kinds=frozenset({ServiceKind.CERTIFICATE})
    ),
    "reject": Transition(OPEN_STATES, Status.REJECTED, STAFF, needs_note=True),
    "close": Transition(DECIDED_STATES, Status.CLOSED, STAFF | {Actor.SYSTEM}),
    # Nothing to do, not the commune's competence, or no way to act: the request ends without being fixed.
    "close_without_action": Transition(OPEN_STATES, Status.CLOSED, STAFF, needs_note=True),
    "reopen": Transition(frozenset({Status.RESOLVED}), Status.IN_PROGRESS, frozenset({Actor.CITIZEN}), needs_note=True),
    "merge": Transition(OPEN_STATES, Status.DUPLICATE, frozenset({Actor.SUPERVISOR})),
}


def actor_for(request: ServiceRequest, user: User | None, *, proven_filer: bool = False) -> Actor:
    """Who `user` is to this request; NotAllowed when they have no part in it."""
    if user is not None and user.is_active:
        if user.role_enum in (Role.AGENT, Role.SUPERVISOR):
            if user.department_id != request.department_id:
                raise NotAllowed("other_department")
            return Actor.SUPERVISOR if user.role_enum is Role.SUPERVISOR else Actor.AGENT
        if user.role_enum is Role.CITIZEN and request.citizen_id == user.id:
            return Actor.CITIZEN
    if proven_filer and request.citizen_id is None:
        return Actor.CITIZEN
    raise NotAllowed("not_your_request")


def recipient(request: ServiceRequest) -> tuple[str, str] | None:
    """Where and in which language to write to the citizen, if we can."""
    if request.citizen is not None:
        return request.citizen.email, request.citizen.locale or request.locale
    if request.contact_email and request.contact_confirmed_at is not None:
        return request.contact_email, request.locale
    return None


def notify(session: Session, request: ServiceRequest, kind: str, *, followers: bool = True, **context) -> None:
    """Email the citizen, and the citizens of duplicates merged into this request, who follow it."""
    readers = [request]
    if followers:
        readers += session.scalars(
            select(ServiceRequest).where(ServiceRequest.merged_into_id == request.id).order_by(ServiceRequest.id)
        )
    for reader in readers:
        to = recipient(reader)
        if to is None:
            continue
        version = reader.service_version
        outbox.enqueue(
            session,
            kind=kind,
            recipient=to[0],
            locale=to[1],
            context={
                "tracking_number": reader.tracking_number,
                "service_name_ar": version.name_ar,
                "service_name_fr": version.name_fr,
                "path": f"/track/{reader.tracking_number}",
                **({"master": request.tracking_number} if reader is not request else {}),
                **context,
            },
        )


def record(
    session: Session,
    request: ServiceRequest,
    action: str,
    *,
    actor: Actor,
    user: User | None,
    note: str | None = None,
    is_public: bool = True,
    from_status: str | None = None,
    to_status: str | None = None,
    data: dict | None = None,
    at: datetime | None = None,
) -> RequestEvent:
    entry = RequestEvent(
        request=request,
        at=at or utcnow(),
        actor_id=user.id if user is not None else None,
        actor_kind=actor.value,
        action=action,
        from_status=from_status,
        to_status=to_status,
        is_public=is_public,
        note=note,
        data=data or {},
    )
    session.add(entry)
    return entry


def clean_note(note: str | None, *, required: bool, field: str = "note") -> str | None:
    note = (note or "").replace("\r\n", "\n").strip()
    if not note:
        if required:
            raise Invalid("note_required", field=field)
        return None
    if len(note) > NOTE_MAX:
        raise Invalid("answer_too_long", field=field, max=NOTE_MAX)
    return note


def allowed_actions(request: ServiceRequest, actor: Actor) -> list[str]:
    """The actions `actor` may take now, in table order (for buttons)."""
    return [name for name, t in TRANSITIONS.items() if _refusal(request, name, t, actor, utcnow()) is None]


def _refusal(request: ServiceRequest, action: str, t: Transition, actor: Actor, now: datetime) -> str | None:
    if request.status_enum not in t.sources or ServiceKind(request.service.kind) not in t.kinds:
        return "transition_not_allowed"
    if actor not in t.actors:
        return "transition_not_yours"
    if action == "request_document" and request.document_requested:
        return "document_already_requested"
    if action == "reopen" and (
        request.resolved_at is None or now - as_utc(request.resolved_at) > timedelta(days=REOPEN_DAYS)
    ):
        return "reopen_too_late"
    return None


def set_outcome(request: ServiceRequest, outcome: Outcome | None, at: datetime, user: User | None) -> None:
    """Record how the request ended (or, on reopening, that it has not); a plain close keeps the decision."""
    if outcome is None and request.status_enum not in OPEN_STATES:
        return
    request.outcome = outcome.value if outcome else None
    request.handled_at = at if outcome else None
    request.handled_by_id = user.id if outcome and user is not None else None
    request.hours_to_handle = int((at - as_utc(request.filed_at)).total_seconds() // 3600) if outcome else None


def apply(
    session: Session,
    request: ServiceRequest,
    action: str,
    *,
    actor: Actor,
    user: User | None = None,
    note: str | None = None,
    data: dict | None = None,
    now: datetime | None = None,
    email: dict | None = None,
) -> RequestEvent:
    """Move the request by `action`, or raise and change nothing; `email` adds to the citizen's email."""
    now = now or utcnow()
    t = TRANSITIONS.get(action)
    if t is None:
        raise InvalidTransition("transition_unknown")
    refusal = _refusal(request, action, t, actor, now)
    if refusal == "transition_not_yours":
        raise NotAllowed(refusal)
    if refusal is not None:
        raise InvalidTransition(refusal, status=request.status)
    note = clean_note(note, required=t.needs_note)

    source = request.status
    request.status = t.target.value
    if action == "request_document":
        request.document_requested = True
    if t.target in (Status.RESOLVED, Status.APPROVED, Status.REJECTED):
        request.resolved_at = now
    if action == "reopen":
        request.resolved_at = None
    if t.target in (Status.CLOSED, Status.DUPLICATE):
        request.closed_at = now
    set_outcome(request, OUTCOMES.get(action), now, user)
    entry = record(
        session,
        request,
        action,
        actor=actor,
        user=user,
        note=note,
        is_public=t.public,
        from_status=source,
        to_status=t.target.value,
        data=data,
        at=now,
    )
    session.flush()
    assets.status_changed(session, request, source, t.target.value, at=now, actor_id=user.id if user else None)
    if t.emails_citizen:
        notify(session, request, "status_changed", status=t.target.value, message=note or "", **(email or {}))
    return entry
