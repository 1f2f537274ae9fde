"""What staff do to a request beyond the plain transitions: assign, re-route, write, decide, merge.

Every function checks who acts (an agent or supervisor of the request's department),
refuses a stale form (optimistic locking), writes its history entry in the same
transaction, and flushes; the caller commits.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.accounts.models import Department, Role, User
from services.casework.models import ResponseTemplate, TemplateKind
from services.errors import Conflict, Invalid, InvalidTransition, NotAllowed, NotFound, collect
from services.requests.models import RequestEvent, ServiceRequest
from services.requests.service import store_files
from services.requests.uploads import FileStore, Upload, check_file
from services.workflow import transitions
from services.workflow.states import FINAL_STATES, OPEN_STATES, Status
from services.workflow.transitions import STAFF, Actor

PHOTO_FILES = ("jpeg", "png")
PHOTO_MAX_FILES = 3
PHOTO_MAX_MB = 10
BULK_MAX = 100
# The moves with nothing to them but a status and maybe a note; the others have an operation of their own below
# (assign needs an assignee, reject the appeal route, resolve its photos' checks, merge a master).
PLAIN_ACTIONS = frozenset({"acknowledge", "start", "request_document", "approve", "close", "close_without_action"})


def staff_actor(request: ServiceRequest, user: User) -> Actor:
    """The capacity in which `user` works on `request`; NotAllowed for anyone outside its department."""
    actor = transitions.actor_for(request, user)
    if actor not in STAFF:
        raise NotAllowed("staff_only")
    return actor


def check_version(request: ServiceRequest, seen: int | str | None) -> None:
    """Refuse a form built from an older state of the request: someone else changed it since."""
    if seen in (None, ""):
        return
    try:
        seen = int(seen)
    except (TypeError, ValueError):
        raise Conflict("request_changed") from None
    if seen != request.row_version:
        raise Conflict("request_changed")


def transition(
    session: Session,
    request: ServiceRequest,
    action: str,
    *,
    user: User,
    note: str | None = None,
    seen_version: int | str | None = None,
) -> RequestEvent:
    """A plain transition from the table (acknowledge, start, ask for a document, approve, close)."""
    actor = staff_actor(request, user)
    check_version(request, seen_version)
    if action not in PLAIN_ACTIONS:
        raise InvalidTransition("transition_unknown")
    return transitions.apply(session, request, action, actor=actor, user=user, note=note)


# --------------------------------------------------------------------------- assignment


def assignable_staff(session: Session, department_id: int) -> list[User]:
    """The active agents and supervisors of a department, by name."""
    return list(
        session.scalars(
            select(User)
            .where(
                User.department_id == department_id,
                User.is_active.is_(True),
                User.role.in_([Role.AGENT.value, Role.SUPERVISOR.value]),
            )
            .order_by(User.full_name, User.id)
        )
    )


def _assignee(session: Session, request: ServiceRequest, assignee_id) -> User:
    try:
        assignee = session.get(User, int(assignee_id))
    except (TypeError, ValueError):
        assignee = None
    if (
        assignee is None
        or not assignee.is_active
        or assignee.role_enum not in (Role.AGENT, Role.SUPERVISOR)
        or assignee.department_id != request.department_id
    ):
        raise Invalid("assignee_not_in_department", field="assignee")
    return assignee


def assign(
    session: Session,
    request: ServiceRequest,
    assignee_id: int | str | None,
    *,
    user: User,
    seen_version: int | str | None = None,
) -> RequestEvent:
    """Give the request to a member of its department; an agent may only take it for themself."""
    actor = staff_actor(request, user)
    check_version(request, seen_version)
    assignee = _assignee(session, request, assignee_id)
    if actor is Actor.AGENT and assignee.id != user.id:
        raise NotAllowed("agents_assign_themselves")
    # Taking again what one already holds (or works on) would only move it back to "assigned".
    if request.assigned_to_id == assignee.id and request.status_enum in (Status.ASSIGNED, Status.IN_PROGRESS):
        raise Invalid("already_assigned", field="assignee")
    previous = request.assigned_to_id
    entry = transitions.apply(
        session,
        request,
        "assign",
        actor=actor,
        user=user,
        data={"assignee_id": assignee.id, "previous_id": previous},
    )
    request.assigned_to = assignee
    session.flush()
    return entry


def bulk_assign(
    session: Session, request_ids: Iterable[int | str], assignee_id: int | str | None, *, user: User
) -> list[ServiceRequest]:
    """A supervisor gives several requests to one person: all of them, or none if one cannot be."""
    if not user.has_role(Role.SUPERVISOR):
        raise NotAllowed("only_supervisors_bulk_assign")
    ids = []
    for value in request_ids:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise Invalid("selection_invalid", field="selected") from None
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise Invalid("selection_empty", field="selected")
    if len(ids) > BULK_MAX:
        raise Invalid("selection_too_large", field="selected", max=BULK_MAX)
    requests = list(session.scalars(select(ServiceRequest).where(ServiceRequest.id.in_(ids))))
    if len(requests) != len(ids):
        raise NotFound("request_not_found")
    moved = []
    with session.begin_nested():  # a refusal undoes the assignments made before it
        for request in sorted(requests, key=lambda r: r.id):
            try:
                assign(session, request, assignee_id, user=user)
            except (Invalid, NotAllowed, Conflict) as exc:
                if exc.code == "already_assigned":
                    continue
                params = {**exc.params, "number": request.tracking_number}
                raise type(exc)(exc.code, field=exc.field or "selected", **params) from exc
            except InvalidTransition as exc:
                raise Invalid("bulk_assign_refused", field="selected", number=request.tracking_number) from exc
            moved.append(request)
    return moved


def release_assignments(session: Session, person: User, *, user: User | None) -> list[ServiceRequest]:
    """A member of staff leaves: their open requests go back to the department's queue, unassigned."""
    open_values = [s.value for s in OPEN_STATES]
    held = list(
        session.scalars(
            select(ServiceRequest).where(
                ServiceRequest.assigned_to_id == person.id, ServiceRequest.status.in_(open_values)
            )
        )
    )
    for request in held:
        source = request.status
        if request.status_enum is Status.ASSIGNED:
            request.status = Status.ACKNOWLEDGED.value
        request.assigned_to_id = None
        transitions.record(
            session,
            request,
            "unassign",
            actor=Actor.SYSTEM,
            user=user,
            is_public=False,
            from_status=source,
            to_status=request.status,
            data={"previous_id": person.id},
        )
    session.flush()
    return held


# --------------------------------------------------------------------------- re-routing


def reroute(
    session: Session,
    request: ServiceRequest,
    department_id: int | str | None,
    *,
    user: User,
    reason: str,
    tell_citizen: bool,
    seen_version: int | str | None = None,
) -> RequestEvent:
    """A supervisor sends a request to the department that should handle it; it starts there as new."""
    actor = staff_actor(request, user)
    if actor is not Actor.SUPERVISOR:
        raise NotAllowed("only_supervisors_reroute")
    check_version(request, seen_version)
    if not request.is_open:
        raise InvalidTransition("transition_not_allowed", status=request.status)

    def target() -> Department:
        try:
            department = session.get(Department, int(department_id))
        except (TypeError, ValueError):
            department = None
        if department is None or not department.is_active:
            raise Invalid("department_unknown", field="department")
        if department.id == request.department_id:
            raise Invalid("reroute_same_department", field="department")
        return department

    clean = collect(department=target, reason=lambda: transitions.clean_note(reason, required=True, field="reason"))
    department = clean["department"]
    source_status, source_department = request.status, request.department_id
    # A request waiting for the citizen keeps waiting; any other starts over in the new queue.
    if request.status_enum is not Status.WAITING_CITIZEN:
        request.status = Status.NEW.value
    request.department_id = department.id
    request.assigned_to_id = None
    entry = transitions.record(
        session,
        request,
        "reroute",
        actor=actor,
        user=user,
        note=clean["reason"],
        is_public=bool(tell_citizen),
        from_status=source_status,
        to_status=request.status,
        data={"from_department": source_department, "to_department": department.id},
    )
    session.flush()
    if tell_citizen:
        transitions.notify(
            session,
            request,
            "status_changed",
            status=request.status,
            message=clean["reason"],
            department_ar=department.name_ar,
            department_fr=department.name_fr,
        )
    return entry


# --------------------------------------------------------------------------- writing


def templates_for(session: Session, department_id: int, kind: TemplateKind) -> list[ResponseTemplate]:
    """The active templates of a kind that a department may use (its own and the commune-wide ones)."""
    return list(
        session.scalars(
            select(ResponseTemplate)
            .where(
                ResponseTemplate.kind == kind.value,
                ResponseTemplate.is_active.is_(True),
                (ResponseTemplate.department_id.is_(None)) | (ResponseTemplate.department_id == department_id),
            )
            .order_by(ResponseTemplate.title_fr, ResponseTemplate.id)
        )
    )


def _template(session: Session, request: ServiceRequest, template_id, kind: TemplateKind) -> ResponseTemplate | None:
    if template_id in (None, ""):
        return None
    try:
        wanted = int(template_id)
    except (TypeError, ValueError):
        wanted = None
    found = next((t for t in templates_for(session, request.department_id, kind) if t.id == wanted), None)
    if found is None:
        raise Invalid("template_unknown", field="template")
    return found


def _compose(template: ResponseTemplate | None, text: str | None, locale: str) -> str:
    """A template's text in the citizen's language, then whatever the agent added."""
    parts = [template.body(locale).strip()] if template is not None else []
    written = (text or "").strip()
    if written and written not in parts:
        parts.append(written)
    return "\n\n".join(parts)


def post_message(
    session: Session,
    request: ServiceRequest,
    *,
    user: User,
    body: str | None,
    template_id: int | str | None = None,
) -> RequestEvent:
    """A public message to the citizen, without changing the status; the citizen is emailed."""
    actor = staff_actor(request, user)
    if request.status_enum in FINAL_STATES:
        raise InvalidTransition("request_is_closed", status=request.status)
    template = _template(session, request, template_id, TemplateKind.MESSAGE)
    note = transitions.clean_note(_compose(template, body, request.locale), required=True, field="body")
    entry = transitions.record(
        session,
        request,
        "message",
        actor=actor,
        user=user,
        note=note,
        is_public=True,
        data={"template_id": template.id} if template else {},
    )
    session.flush()
    transitions.notify(session, request, "message_posted", status=request.status, message=note)
    return entry


def add_note(session: Session, request: ServiceRequest, *, user: User, body: str | None) -> RequestEvent:
    """An internal note: staff of the department read it, the citizen never does."""
    actor = staff_actor(request, user)
    note = transitions.clean_note(body, required=True, field="body")
    entry = transitions.record(session, request, "note", actor=actor, user=user, note=note, is_public=False)
    session.flush()
    return entry


# --------------------------------------------------------------------------- decisions


def appeal_route(session: Session, department_id: int) -> ResponseTemplate:
    """The statement of how to contest a decision; a department's own wins over the commune's."""
    routes = templates_for(session, department_id, TemplateKind.APPEAL)
    if not routes:
        raise Invalid("appeal_route_missing", field="reason")
    return sorted(routes, key=lambda t: (t.department_id is None, t.id))[0]


def reject(
    session: Session,
    request: ServiceRequest,
    *,
    user: User,
    reason: str | None,
    template_id: int | str | None = None,
    seen_version: int | str | None = None,
) -> RequestEvent:
    """Refuse with a motivated reason (a template, free text or both); the decision states the appeal route."""
    actor = staff_actor(request, user)
    check_version(request, seen_version)
    clean = collect(
        template=lambda: _template(session, request, template_id, TemplateKind.REJECTION),
        appeal=lambda: appeal_route(session, request.department_id),
    )
    note = _compose(clean["template"], reason, request.locale)
    if not note:
        raise Invalid("reason_required", field="reason")
    appeal = clean["appeal"]
    return transitions.apply(
        session,
        request,
        "reject",
        actor=actor,
        user=user,
        note=note,
        data={
            "template_id": clean["template"].id if clean["template"] else None,
            "appeal_ar": appeal.body_ar,
            "appeal_fr": appeal.body_fr,
        },
        email={"appeal": appeal.body(request.locale)},
    )


def resolve(
    session: Session,
    request: ServiceRequest,
    *,
    user: User,
    note: str | None,
    photos: Sequence[Upload],
    store: FileStore,
    seen_version: int | str | None = None,
) -> RequestEvent:
    """Mark a report or complaint resolved, with an optional word and photos of the work done."""
    actor = staff_actor(request, user)
    check_version(request, seen_version)
    uploads = [p for p in photos if p.filename or p.data]

    def checked():
        if len(uploads) > PHOTO_MAX_FILES:
            raise Invalid("too_many_files", field="photos", max=PHOTO_MAX_FILES)
        return [
            check_file(u, allowed=PHOTO_FILES, max_bytes=PHOTO_MAX_MB * 1024 * 1024, field="photos") for u in uploads
        ]

    clean = collect(photos=checked, note=lambda: transitions.clean_note(note, required=False))
    entry = transitions.apply(
        session, request, "resolve", actor=actor, user=user, note=clean["note"], data={"photos": len(clean["photos"])}
    )
    store_files(session, request, store, ((None, f) for f in clean["photos"]), event=entry, staff=True)
    session.flush()
    return entry


# --------------------------------------------------------------------------- duplicates


def merge(
    session: Session,
    duplicate: ServiceRequest,
    master: ServiceRequest,
    *,
    user: User,
    seen_version: int | str | None = None,
    now: datetime | None = None,
) -> RequestEvent:
    """Close `duplicate` as a copy of `master`; its citizen follows the master's public updates from now on."""
    actor = staff_actor(duplicate, user)
    staff_actor(master, user)
    check_version(duplicate, seen_version)
    if master.id == duplicate.id:
        raise Invalid("merge_into_itself", field="master")
    if not master.is_open or master.merged_into_id is not None:
        raise Invalid("merge_master_closed", field="master", number=master.tracking_number)
    if master.service_id != duplicate.service_id:
        raise Invalid("merge_other_service", field="master", number=master.tracking_number)
    # Requests merged into this one follow it: they would hear nothing more once it is closed as a duplicate.
    if session.scalar(select(ServiceRequest.id).where(ServiceRequest.merged_into_id == duplicate.id).limit(1)):
        raise Invalid("merge_has_duplicates", field="master", number=master.tracking_number)
    entry = transitions.apply(
        session,
        duplicate,
        "merge",
        actor=actor,
        user=user,
        data={"master_id": master.id, "master": master.tracking_number},
        email={"master": master.tracking_number},
        now=now,
    )
    duplicate.merged_into_id = master.id
    duplicate.assigned_to_id = None
    transitions.record(
        session,
        master,
        "merged_in",
        actor=actor,
        user=user,
        is_public=False,
        data={"duplicate_id": duplicate.id, "duplicate": duplicate.tracking_number},
        at=now,
    )
    session.flush()
    return entry
