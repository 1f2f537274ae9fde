"""The audit trail: the history alone accounts for the request's state at every step, and nobody rewrites it."""

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DatabaseError

from services.casework import actions, audit
from services.requests import service as requests
from services.requests.models import AuditTampering, RequestEvent
from services.workflow.states import Status
from tests.factories import make_request
from tests.services.casework.support import count, make_office


def test_a_long_history_replays_to_the_requests_state_at_every_step(db, store):
    s = db.session
    office, roads = make_office(s, place=False), make_office(s, place=False)
    request = make_request(s, store, service=office.service)
    citizen = request.citizen
    steps = [
        ("acknowledge", lambda: actions.transition(s, request, "acknowledge", user=office.agent)),
        ("assign", lambda: actions.assign(s, request, office.agent.id, user=office.agent)),
        ("unassign", lambda: actions.release_assignments(s, office.agent, user=office.supervisor)),
        (
            "reroute",
            lambda: actions.reroute(
                s, request, roads.department.id, user=office.supervisor, reason="Voirie", tell_citizen=True
            ),
        ),
        ("note", lambda: actions.add_note(s, request, user=roads.agent, body="Repris par la voirie")),
        ("assign", lambda: actions.assign(s, request, roads.agent.id, user=roads.supervisor)),
        ("start", lambda: actions.transition(s, request, "start", user=roads.agent)),
        (
            "request_document",
            lambda: actions.transition(s, request, "request_document", user=roads.agent, note="Photo du trou"),
        ),
        (
            "provide_document",
            lambda: requests.provide_document(
                s, request, user=citizen, proven_filer=False, note="La voici", files=[], store=store
            ),
        ),
        ("message", lambda: actions.post_message(s, request, user=roads.agent, body="Équipe en route")),
        ("resolve", lambda: actions.resolve(s, request, user=roads.agent, note="Rebouché", photos=[], store=store)),
        (
            "reopen",
            lambda: requests.reopen(s, request, user=citizen, proven_filer=False, reason="Le trou est revenu"),
        ),
        ("resolve", lambda: actions.resolve(s, request, user=roads.agent, note="Refait", photos=[], store=store)),
        ("close", lambda: actions.transition(s, request, "close", user=roads.supervisor)),
        (
            "rated",
            lambda: requests.rate(s, request, user=citizen, proven_filer=False, rating=4, comment="Bien"),
        ),
    ]
    assert audit.discrepancies(request) == []
    states = [audit.current(request)]
    for action, step in steps:
        step()
        s.flush()
        assert request.events[-1].action == action
        assert audit.discrepancies(request) == [], action
        states.append(audit.current(request))

    assert states[-1] == audit.Replayed(Status.CLOSED, roads.department.id, roads.agent.id, None, True, 4)
    assert states[3].assigned_to_id is None and states[3].status == Status.ACKNOWLEDGED  # released
    assert states[4].department_id == roads.department.id and states[4].status == Status.NEW
    # Replaying the first k entries gives what the k-th step had set, and the citizen's rows count too.
    events = list(request.events)
    assert [e.action for e in events] == ["filed"] + [action for action, _ in steps]
    for k, state in enumerate(states, start=1):
        assert audit.replay(request, events[:k]) == state, events[k - 1].action
    # Reading it back from the database gives the same answer.
    s.expire_all()
    assert audit.discrepancies(request) == []


def test_a_change_made_behind_the_historys_back_is_found(db, store):
    s = db.session
    office = make_office(s, place=False)
    request = make_request(s, store, service=office.service)
    actions.assign(s, request, office.agent.id, user=office.agent)
    assert audit.discrepancies(request) == []
    request.assigned_to_id = None
    request.status = Status.IN_PROGRESS.value
    request.document_requested = True
    s.flush()
    assert audit.discrepancies(request) == ["status", "assigned_to_id", "document_requested"]


def test_a_merge_replays_on_the_duplicate(db, store):
    s = db.session
    office = make_office(s, place=False)
    master, copy = (make_request(s, store, service=office.service) for _ in range(2))
    actions.assign(s, copy, office.agent.id, user=office.agent)
    actions.merge(s, copy, master, user=office.supervisor)
    replayed = audit.replay(copy)
    assert (replayed.status, replayed.merged_into_id, replayed.assigned_to_id) == (Status.DUPLICATE, master.id, None)
    assert audit.discrepancies(copy) == [] and audit.discrepancies(master) == []


@pytest.fixture
def history(db, store):
    """A request with three history entries, committed (the `db` fixture still rolls it all back)."""
    office = make_office(db.session, place=False)
    request = make_request(db.session, store, service=office.service)
    actions.transition(db.session, request, "acknowledge", user=office.agent)
    actions.add_note(db.session, request, user=office.agent, body="Note interne")
    db.session.commit()
    return request


def _rows(db, request):
    return [
        tuple(row)
        for row in db.session.execute(
            select(RequestEvent.id, RequestEvent.action, RequestEvent.note, RequestEvent.request_id)
            .where(RequestEvent.request_id == request.id)
            .order_by(RequestEvent.id)
        )
    ]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s, r: setattr(r.events[1], "note", "rewritten"),
        lambda s, r: setattr(r.events[1], "to_status", "closed"),
        lambda s, r: setattr(r.events[1], "data", {"assignee_id": 1}),
        lambda s, r: s.delete(r.events[1]),
        lambda s, r: r.events.remove(r.events[1]),  # orphaning it would null its request_id
        lambda s, r: s.execute(update(RequestEvent).where(RequestEvent.request_id == r.id).values(note="x")),
        lambda s, r: s.execute(delete(RequestEvent).where(RequestEvent.request_id == r.id)),
        lambda s, r: s.query(RequestEvent).filter_by(request_id=r.id).update({"note": "x"}),
        lambda s, r: s.query(RequestEvent).filter_by(request_id=r.id).delete(),
    ],
    ids=["note", "status", "data", "delete", "orphan", "bulk-update", "bulk-delete", "query-update", "query-delete"],
)
def test_the_application_cannot_change_or_delete_a_history_entry(db, history, tamper):
    before = _rows(db, history)
    with pytest.raises(AuditTampering):
        tamper(db.session, history)
        db.session.flush()
    db.session.rollback()
    assert _rows(db, history) == before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE request_event SET note = 'rewritten' WHERE request_id = :id",
        "UPDATE request_event SET request_id = request_id WHERE request_id = :id",
        "DELETE FROM request_event WHERE request_id = :id",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_history_entry_even_in_raw_sql(db, history, statement):
    before = _rows(db, history)
    with pytest.raises(DatabaseError, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement), {"id": history.id})
    assert _rows(db, history) == before
    assert count(db.session, RequestEvent, RequestEvent.request_id == history.id) == 3


def test_the_database_refuses_to_empty_the_history(db, history, backend):
    if backend != "postgis":
        pytest.skip("SQLite has no TRUNCATE; its DELETE is refused above")
    with pytest.raises(DatabaseError, match="append-only"), db.session.begin_nested():
        db.session.execute(text("TRUNCATE request_event CASCADE"))
    assert db.session.scalar(select(func.count()).select_from(RequestEvent)) >= 3
