"""Every action of the transition table, tried from every status by every actor, for every kind of service.

A move is accepted exactly when the table allows it; a refused move raises the error that says why and
changes nothing: not the status, not the row version, not the history, not the outbox.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest

from services.accounts.models import Role
from services.casework import actions
from services.catalog.models import ServiceKind
from services.db import as_utc, utcnow
from services.errors import Invalid, InvalidTransition, NotAllowed
from services.requests import service as requests
from services.requests.models import RequestEvent
from services.workflow import transitions
from services.workflow.states import DECIDED_STATES, FINAL_STATES, OPEN_STATES, Status
from services.workflow.transitions import REOPEN_DAYS, TRANSITIONS, Actor
from tests.factories import make_request, make_service, make_user
from tests.services.casework.support import count, snapshot

S = Status
OPEN = {S.NEW, S.ACKNOWLEDGED, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_CITIZEN}
STAFF = {Actor.AGENT, Actor.SUPERVISOR}
ALL_KINDS = set(ServiceKind)
NOT_CERTIFICATES = ALL_KINDS - {ServiceKind.CERTIFICATE}

# The workflow as the commune described it, written out by hand: the table must say the same.
# action: (sources, target, actors, needs_note, public, emails_citizen, kinds)
SPECIFICATION = {
    "confirm": ({S.PENDING_CONFIRMATION}, S.NEW, {Actor.SYSTEM}, False, True, False, ALL_KINDS),
    "acknowledge": ({S.NEW}, S.ACKNOWLEDGED, STAFF, False, True, True, ALL_KINDS),
    "assign": ({S.NEW, S.ACKNOWLEDGED, S.ASSIGNED, S.IN_PROGRESS}, S.ASSIGNED, STAFF, False, False, False, ALL_KINDS),
    "start": ({S.ACKNOWLEDGED, S.ASSIGNED}, S.IN_PROGRESS, STAFF, False, True, True, ALL_KINDS),
    "request_document": (
        {S.ACKNOWLEDGED, S.ASSIGNED, S.IN_PROGRESS},
        S.WAITING_CITIZEN,
        STAFF,
        True,
        True,
        True,
        ALL_KINDS,
    ),
    "provide_document": ({S.WAITING_CITIZEN}, S.IN_PROGRESS, {Actor.CITIZEN}, True, True, False, ALL_KINDS),
    "resolve": ({S.IN_PROGRESS}, S.RESOLVED, STAFF, False, True, True, NOT_CERTIFICATES),
    "approve": ({S.IN_PROGRESS}, S.APPROVED, STAFF, False, True, True, {ServiceKind.CERTIFICATE}),
    "reject": (OPEN, S.REJECTED, STAFF, True, True, True, ALL_KINDS),
    "close": ({S.RESOLVED, S.APPROVED, S.REJECTED}, S.CLOSED, STAFF | {Actor.SYSTEM}, False, True, True, ALL_KINDS),
    # Closing is not fixing: an open request closed this way counts as closed without action, never resolved.
    "close_without_action": (OPEN, S.CLOSED, STAFF, True, True, True, ALL_KINDS),
    "reopen": ({S.RESOLVED}, S.IN_PROGRESS, {Actor.CITIZEN}, True, True, True, ALL_KINDS),
    "merge": (OPEN, S.DUPLICATE, {Actor.SUPERVISOR}, False, True, True, ALL_KINDS),
}


def test_the_table_says_what_the_commune_decided():
    assert set(TRANSITIONS) == set(SPECIFICATION)
    for name, t in TRANSITIONS.items():
        told = (set(t.sources), t.target, set(t.actors), t.needs_note, t.public, t.emails_citizen, set(t.kinds))
        assert told == SPECIFICATION[name], name
    assert (
        OPEN,
        {S.RESOLVED, S.APPROVED, S.REJECTED},
        {S.CLOSED, S.DUPLICATE},
    ) == (OPEN_STATES, DECIDED_STATES, FINAL_STATES)
    # Nothing leaves a final state, and nothing but confirmation leaves pending_confirmation.
    assert not [n for n, t in TRANSITIONS.items() if t.sources & FINAL_STATES]
    assert [n for n, t in TRANSITIONS.items() if S.PENDING_CONFIRMATION in t.sources] == ["confirm"]


# --------------------------------------------------------------------------- the situations


@dataclass(frozen=True)
class Situation:
    status: Status
    kind: ServiceKind
    variant: str = ""  # "documented": a document was asked for once already; "late": resolved 8 days ago

    @property
    def id(self) -> str:
        return "-".join(filter(None, (self.kind.value, self.status.value, self.variant)))


SITUATIONS = (
    [Situation(status, kind) for kind in ServiceKind for status in Status]
    + [Situation(S.IN_PROGRESS, kind, "documented") for kind in ServiceKind]
    + [Situation(S.ASSIGNED, ServiceKind.REPORT, "documented"), Situation(S.RESOLVED, ServiceKind.REPORT, "late")]
)


def _set_status(session, request, status: Status):
    """Test set-up only, where no path of the workflow leads to `status` for this kind of service."""
    request.status = status.value
    if status in DECIDED_STATES:
        request.resolved_at = utcnow()
    if status in FINAL_STATES:
        request.closed_at = utcnow()
    session.flush()


def build(session, store, situation: Situation):
    """A request filed for real and moved along the workflow's own paths to the situation's status."""
    kind, status = situation.kind, situation.status
    service = make_service(session, kind=kind.value)
    agent = make_user(session, Role.AGENT, department=service.department)
    supervisor = make_user(session, Role.SUPERVISOR, department=service.department)
    anonymous = status is S.PENDING_CONFIRMATION and kind in (ServiceKind.REPORT, ServiceKind.COMPLAINT)
    if anonymous:
        request = make_request(session, store, service=service, contact_email="voisin@example.org")
        return request, service
    request = make_request(session, store, service=service)
    if status is S.PENDING_CONFIRMATION:
        _set_status(session, request, status)  # requests and certificates are only filed from an account
        return request, service

    def move(*names, note=None):
        for name in names:
            actions.transition(session, request, name, user=agent, note=note)

    if status is S.NEW:
        pass
    elif status is S.ACKNOWLEDGED:
        move("acknowledge")
    elif status is S.ASSIGNED:
        move("acknowledge")
        if situation.variant == "documented":
            move("request_document", note="Copie de la CNIE")
            _provide(session, store, request)
        actions.assign(session, request, agent.id, user=agent)
    elif status is S.IN_PROGRESS:
        move("acknowledge")
        if situation.variant == "documented":
            move("request_document", note="Copie de la CNIE")
            _provide(session, store, request)
        else:
            move("start")
    elif status is S.WAITING_CITIZEN:
        move("acknowledge", "request_document", note="Copie de la CNIE")
    elif status is S.RESOLVED:
        if kind is ServiceKind.CERTIFICATE:
            _set_status(session, request, status)  # certificates are approved, never resolved
        else:
            move("acknowledge", "start")
            at = utcnow() - timedelta(days=REOPEN_DAYS + 1) if situation.variant == "late" else None
            transitions.apply(session, request, "resolve", actor=Actor.AGENT, user=agent, now=at)
    elif status is S.APPROVED:
        if kind is ServiceKind.CERTIFICATE:
            move("acknowledge", "start", "approve")
        else:
            _set_status(session, request, status)  # only certificates are approved
    elif status is S.REJECTED:
        actions.reject(session, request, user=agent, reason="Hors du territoire de la commune")
    elif status is S.CLOSED:
        move("acknowledge", "start")
        if kind is ServiceKind.CERTIFICATE:
            move("approve")
        else:
            actions.resolve(session, request, user=agent, note=None, photos=[], store=store)
        move("close")
    elif status is S.DUPLICATE:
        master = make_request(session, store, service=service)
        actions.merge(session, request, master, user=supervisor)
    assert request.status == status
    return request, service


def _provide(session, store, request):
    requests.provide_document(
        session, request, user=request.citizen, proven_filer=False, note="Voici la copie", files=[], store=store
    )


# --------------------------------------------------------------------------- the expectations


def expected_refusal(action: str, situation: Situation, actor: Actor) -> tuple[type, str] | None:
    """Why the table refuses `action` here, as (error class, code); None when it accepts it."""
    sources, _target, actors, *_rest, kinds = SPECIFICATION[action]
    if situation.status not in sources or situation.kind not in kinds:
        return InvalidTransition, "transition_not_allowed"
    if actor not in actors:
        return NotAllowed, "transition_not_yours"
    if action == "request_document" and situation.variant == "documented":
        return InvalidTransition, "document_already_requested"
    if action == "reopen" and situation.variant == "late":
        return InvalidTransition, "reopen_too_late"
    return None


def test_every_situation_is_covered():
    covered = {(s.kind, s.status) for s in SITUATIONS}
    assert covered == {(k, s) for k in ServiceKind for s in Status}
    # Each refusal the table knows is met somewhere in the matrix, and so is each acceptance.
    outcomes = {expected_refusal(a, s, actor) for a in TRANSITIONS for s in SITUATIONS for actor in Actor}
    assert {o[1] if o else None for o in outcomes} == {
        None,
        "transition_not_allowed",
        "transition_not_yours",
        "document_already_requested",
        "reopen_too_late",
    }


@pytest.mark.parametrize("situation", SITUATIONS, ids=lambda s: s.id)
def test_each_move_is_accepted_exactly_when_the_table_allows_it(db, store, situation):
    session = db.session
    request, _service = build(session, store, situation)
    before = snapshot(session, request)
    failures = []
    for action in TRANSITIONS:
        for actor in Actor:
            case = f"{action} by {actor.value} from {situation.id}"
            refusal = expected_refusal(action, situation, actor)
            if refusal is None:
                failures += _accepted(session, request, action, actor, case, before)
                if TRANSITIONS[action].needs_note:
                    failures += _refused(session, request, action, actor, case + " without a note", note=" ")
            else:
                failures += _refused(session, request, action, actor, case, expect=refusal)
    # Whatever was refused or undone left the database as it was.
    if snapshot(session, request) != before:
        failures.append(f"from {situation.id}: the request, its history or the outbox changed")
    for actor in Actor:
        wanted = [a for a in TRANSITIONS if expected_refusal(a, situation, actor) is None]
        allowed = transitions.allowed_actions(request, actor)
        if allowed != wanted:
            failures.append(f"allowed_actions for {actor.value} from {situation.id}: {allowed} instead of {wanted}")
    assert failures == []


def _refused(session, request, action, actor, case, *, expect=(Invalid, "note_required"), note="Motif"):
    error_class, code = expect
    status, version = request.status, request.row_version
    try:
        transitions.apply(session, request, action, actor=actor, note=note)
    except (InvalidTransition, NotAllowed, Invalid) as exc:
        problems = []
        if type(exc) is not error_class or exc.code != code:
            problems.append(f"{case}: {type(exc).__name__}({exc.code}) instead of {error_class.__name__}({code})")
        # Nothing waits to be written either (the database itself is compared once all moves were tried).
        if (request.status, request.row_version) != (status, version) or session.new or session.dirty:
            problems.append(f"{case}: refused, but the request or the session changed")
        return problems
    session.rollback()  # accepted when it should not be: the test cannot go on from a moved request
    pytest.fail(f"{case}: accepted, should be {error_class.__name__}({code})")


def _accepted(session, request, action, actor, case, before):
    t = TRANSITIONS[action]
    problems = []
    savepoint = session.begin_nested()
    try:
        entry = transitions.apply(session, request, action, actor=actor, note="Motif de l'agent")
    except Exception as exc:  # every unexpected refusal is listed, not just the first
        savepoint.rollback()
        return [f"{case}: refused with {type(exc).__name__}({getattr(exc, 'code', exc)})"]
    after = snapshot(session, request)
    emails = 1 if t.emails_citizen and transitions.recipient(request) is not None else 0
    # The row changes, so its version moves: except on the table's one loop (assigned -> assigned), where
    # only the assignee changes, which actions.assign does after the move (see test_access).
    bump = 0 if before.row[0] == t.target.value else 1
    if request.status != t.target or after.row[1] != before.row[1] + bump:
        problems.append(f"{case}: status {request.status} version {after.row[1]} (was {before.row[1]})")
    if after.events != before.events + 1 or after.outbox != before.outbox + emails:
        problems.append(f"{case}: {after.events - before.events} entries, {after.outbox - before.outbox} emails")
    told = (entry.action, entry.from_status, entry.to_status, entry.actor_kind, entry.is_public, entry.note)
    if told != (action, before.row[0], t.target.value, actor.value, t.public, "Motif de l'agent"):
        problems.append(f"{case}: history entry {told}")
    if t.target in DECIDED_STATES and request.resolved_at is None:
        problems.append(f"{case}: no resolution time")
    if action == "reopen" and request.resolved_at is not None:
        problems.append(f"{case}: the resolution time stays after reopening")
    if t.target in FINAL_STATES and request.closed_at is None:
        problems.append(f"{case}: no closing time")
    if action == "request_document" and not request.document_requested:
        problems.append(f"{case}: the document request is not remembered")
    savepoint.rollback()
    return problems


def test_a_needed_note_of_blanks_or_too_long_is_refused_and_changes_nothing(db, store):
    request, _service = build(db.session, store, Situation(S.ACKNOWLEDGED, ServiceKind.REPORT))
    before = snapshot(db.session, request)
    for note in (None, "", "  \r\n \t"):
        with pytest.raises(Invalid) as refused:
            transitions.apply(db.session, request, "request_document", actor=Actor.AGENT, note=note)
        assert (refused.value.code, refused.value.field) == ("note_required", "note")
    with pytest.raises(Invalid) as refused:
        transitions.apply(db.session, request, "reject", actor=Actor.AGENT, note="x" * (transitions.NOTE_MAX + 1))
    assert refused.value.code == "answer_too_long"
    with pytest.raises(InvalidTransition) as refused:
        transitions.apply(db.session, request, "teleport", actor=Actor.SUPERVISOR)
    assert refused.value.code == "transition_unknown"
    assert snapshot(db.session, request) == before


def test_reopening_is_possible_until_the_seventh_day_after_the_resolution(db, store):
    request, _service = build(db.session, store, Situation(S.RESOLVED, ServiceKind.COMPLAINT))
    resolved = as_utc(request.resolved_at)
    before = snapshot(db.session, request)
    with pytest.raises(InvalidTransition) as refused:
        requests.reopen(
            db.session,
            request,
            user=request.citizen,
            proven_filer=False,
            reason="Toujours pas réglé",
            now=resolved + timedelta(days=REOPEN_DAYS, seconds=1),
        )
    assert refused.value.code == "reopen_too_late"
    assert snapshot(db.session, request) == before
    requests.reopen(
        db.session,
        request,
        user=request.citizen,
        proven_filer=False,
        reason="Toujours pas réglé",
        now=resolved + timedelta(days=REOPEN_DAYS),
    )
    assert request.status == S.IN_PROGRESS and request.resolved_at is None
    assert count(db.session, RequestEvent, RequestEvent.request_id == request.id) == before.events + 1


@pytest.mark.parametrize("action", ["assign", "merge", "reject", "resolve", "reopen", "provide_document", "confirm"])
def test_the_plain_staff_transition_refuses_moves_that_have_their_own_operation(db, store, action):
    """Assigning needs an assignee, merging a master, rejecting the appeal route, resolving its photos' checks."""
    request, service = build(db.session, store, Situation(S.IN_PROGRESS, ServiceKind.REPORT))
    supervisor = make_user(db.session, Role.SUPERVISOR, department=service.department)
    before = snapshot(db.session, request)
    with pytest.raises((InvalidTransition, NotAllowed)):
        actions.transition(db.session, request, action, user=supervisor, note="Motif")
    assert snapshot(db.session, request) == before
