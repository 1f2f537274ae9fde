"""Who may do what to a request: only the active staff of its department, and some things only its supervisors."""

from dataclasses import dataclass

import pytest

from services.accounts.models import Role, User
from services.casework import actions
from services.errors import Invalid, InvalidTransition, NotAllowed
from services.requests.models import ServiceRequest
from services.workflow.states import Status
from tests.factories import make_department, make_request, make_user
from tests.services.casework.support import make_office, snapshot


@dataclass
class Cast:
    office: object
    elsewhere: object
    request: ServiceRequest  # in progress: every operation below would be possible for the right person
    twin: ServiceRequest  # the same problem reported again, a merge candidate
    people: dict[str, User]


@pytest.fixture
def cast(db, store) -> Cast:
    s = db.session
    office, elsewhere = make_office(s, place=False), make_office(s, place=False)
    request = make_request(s, store, service=office.service)
    twin = make_request(s, store, service=office.service)
    actions.transition(s, request, "acknowledge", user=office.agent)
    actions.transition(s, request, "start", user=office.agent)
    people = {
        "agent of another department": elsewhere.agent,
        "supervisor of another department": elsewhere.supervisor,
        "the citizen who filed": request.citizen,
        "another citizen": make_user(s),
        "inactive agent": make_user(s, Role.AGENT, department=office.department, is_active=False),
        "inactive supervisor": make_user(s, Role.SUPERVISOR, department=office.department, is_active=False),
        "administrator": make_user(s, Role.ADMIN),
        "mayor's office": make_user(s, Role.MAYOR_OFFICE),
    }
    return Cast(office, elsewhere, request, twin, people)


# Each staff operation, done on the cast's request by `user` as its legitimate author would.
OPERATIONS = {
    "transition": lambda s, c, user, store: actions.transition(
        s, c.request, "request_document", user=user, note="Copie de la CNIE"
    ),
    "assign": lambda s, c, user, store: actions.assign(s, c.request, user.id, user=user),
    "assign to an agent": lambda s, c, user, store: actions.assign(s, c.request, c.office.agent.id, user=user),
    "bulk_assign": lambda s, c, user, store: actions.bulk_assign(
        s, [c.request.id, c.twin.id], c.office.agent.id, user=user
    ),
    "reroute": lambda s, c, user, store: actions.reroute(
        s, c.request, c.elsewhere.department.id, user=user, reason="Relève de l'autre service", tell_citizen=True
    ),
    "post_message": lambda s, c, user, store: actions.post_message(s, c.request, user=user, body="Nous passons jeudi"),
    "add_note": lambda s, c, user, store: actions.add_note(s, c.request, user=user, body="Voir avec l'équipe"),
    "reject": lambda s, c, user, store: actions.reject(s, c.request, user=user, reason="Hors de la commune"),
    "resolve": lambda s, c, user, store: actions.resolve(
        s, c.request, user=user, note="Lampe changée", photos=[], store=store
    ),
    "merge": lambda s, c, user, store: actions.merge(s, c.request, c.twin, user=user),
}

REFUSAL = {
    "agent of another department": "other_department",
    "supervisor of another department": "other_department",
    "the citizen who filed": "staff_only",
    "another citizen": "not_your_request",
    "inactive agent": "not_your_request",
    "inactive supervisor": "not_your_request",
    "administrator": "not_your_request",
    "mayor's office": "not_your_request",
}


def expected_code(operation: str, person: str) -> str:
    if operation == "bulk_assign" and person not in ("supervisor of another department", "inactive supervisor"):
        return "only_supervisors_bulk_assign"  # refused before looking at the requests
    return REFUSAL[person]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_only_the_active_staff_of_the_department_may_work_on_a_request(db, store, cast, operation):
    s = db.session
    before = [snapshot(s, cast.request), snapshot(s, cast.twin)]
    wrong = []
    for person, user in cast.people.items():
        try:
            OPERATIONS[operation](s, cast, user, store)
        except NotAllowed as exc:
            if exc.code != expected_code(operation, person):
                wrong.append(f"{person}: {exc.code} instead of {expected_code(operation, person)}")
        else:
            wrong.append(f"{person}: allowed")
            s.rollback()
        if [snapshot(s, cast.request), snapshot(s, cast.twin)] != before:
            wrong.append(f"{person}: refused, but something changed")
    assert wrong == []
    # The department's supervisor may do each of them: the refusals above were about the person only.
    OPERATIONS[operation](s, cast, cast.office.supervisor, store)
    assert [snapshot(s, cast.request), snapshot(s, cast.twin)] != before


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        ("assign to an agent", "agents_assign_themselves"),
        ("bulk_assign", "only_supervisors_bulk_assign"),
        ("reroute", "only_supervisors_reroute"),
        ("merge", "transition_not_yours"),
    ],
)
def test_agents_cannot_assign_others_bulk_assign_reroute_or_merge_but_a_supervisor_can(
    db, store, cast, operation, code
):
    s = db.session
    colleague = make_user(s, Role.AGENT, department=cast.office.department)
    before = [snapshot(s, cast.request), snapshot(s, cast.twin)]
    with pytest.raises(NotAllowed) as refused:
        OPERATIONS[operation](s, cast, colleague, store)
    assert refused.value.code == code
    assert [snapshot(s, cast.request), snapshot(s, cast.twin)] == before
    OPERATIONS[operation](s, cast, cast.office.supervisor, store)
    assert [snapshot(s, cast.request), snapshot(s, cast.twin)] != before


def test_an_agent_takes_a_request_for_themself_and_a_supervisor_gives_it_to_anyone_of_the_department(db, cast):
    s, office = db.session, cast.office
    actions.assign(s, cast.request, office.agent.id, user=office.agent)
    assert (cast.request.assigned_to_id, cast.request.status) == (office.agent.id, Status.ASSIGNED)
    colleague = make_user(s, Role.AGENT, department=office.department)
    actions.assign(s, cast.request, colleague.id, user=office.supervisor)
    assert cast.request.assigned_to_id == colleague.id
    actions.assign(s, cast.request, office.supervisor.id, user=office.supervisor)
    assert cast.request.assigned_to_id == office.supervisor.id
    assert [e.data["assignee_id"] for e in cast.request.events if e.action == "assign"] == [
        office.agent.id,
        colleague.id,
        office.supervisor.id,
    ]


@pytest.mark.parametrize(
    "assignee",
    [
        "inactive agent",
        "inactive supervisor",
        "agent of another department",
        "supervisor of another department",
        "the citizen who filed",
        "administrator",
        "mayor's office",
        "nobody",
        "not a number",
        "none",
        "blank",
    ],
)
def test_an_assignee_must_be_active_staff_of_the_requests_department(db, cast, assignee):
    s = db.session
    value = {"nobody": 10**9, "not a number": "abc", "none": None, "blank": ""}.get(assignee)
    if assignee in cast.people:
        value = cast.people[assignee].id
    before = snapshot(s, cast.request)
    for call in (
        lambda: actions.assign(s, cast.request, value, user=cast.office.supervisor),
        lambda: actions.bulk_assign(s, [cast.request.id], value, user=cast.office.supervisor),
    ):
        with pytest.raises(Invalid) as refused:
            call()
        assert (refused.value.code, refused.value.field) == ("assignee_not_in_department", "assignee")
        assert snapshot(s, cast.request) == before


def test_the_request_follows_its_department_after_a_reroute(db, cast):
    """Once sent elsewhere, the old department's staff lose it and the new one's may work on it."""
    s, office, elsewhere = db.session, cast.office, cast.elsewhere
    actions.assign(s, cast.request, office.agent.id, user=office.agent)
    actions.reroute(
        s, cast.request, elsewhere.department.id, user=office.supervisor, reason="Mauvais service", tell_citizen=False
    )
    assert (cast.request.department_id, cast.request.assigned_to_id) == (elsewhere.department.id, None)
    assert cast.request.status == Status.NEW
    with pytest.raises(NotAllowed) as refused:
        actions.add_note(s, cast.request, user=office.agent, body="Encore moi")
    assert refused.value.code == "other_department"
    with pytest.raises(Invalid) as refused:
        actions.assign(s, cast.request, office.agent.id, user=elsewhere.supervisor)
    assert refused.value.code == "assignee_not_in_department"
    actions.assign(s, cast.request, elsewhere.agent.id, user=elsewhere.agent)
    assert cast.request.assigned_to_id == elsewhere.agent.id


def test_a_reroute_needs_another_active_department_and_a_reason(db, cast):
    s, office = db.session, cast.office
    closed_department = make_department(s, is_active=False)
    before = snapshot(s, cast.request)
    for department, reason, code in [
        (office.department.id, "Motif", "reroute_same_department"),
        (closed_department.id, "Motif", "department_unknown"),
        ("abc", "Motif", "department_unknown"),
        (10**9, "Motif", "department_unknown"),
        (cast.elsewhere.department.id, "   ", "note_required"),
    ]:
        with pytest.raises(Invalid) as refused:
            actions.reroute(s, cast.request, department, user=office.supervisor, reason=reason, tell_citizen=True)
        assert refused.value.code == code
        assert snapshot(s, cast.request) == before
    actions.reject(s, cast.request, user=office.agent, reason="Hors de la commune")
    before = snapshot(s, cast.request)
    with pytest.raises(InvalidTransition) as refused:
        actions.reroute(
            s, cast.request, cast.elsewhere.department.id, user=office.supervisor, reason="Motif", tell_citizen=True
        )
    assert refused.value.code == "transition_not_allowed"
    assert snapshot(s, cast.request) == before


def test_a_supervisor_merges_only_within_their_department(db, store, cast):
    s, office, elsewhere = db.session, cast.office, cast.elsewhere
    foreign = make_request(s, store, service=elsewhere.service)
    for duplicate, master in ((cast.twin, foreign), (foreign, cast.twin)):
        before = [snapshot(s, duplicate), snapshot(s, master)]
        with pytest.raises(NotAllowed) as refused:
            actions.merge(s, duplicate, master, user=office.supervisor)
        assert refused.value.code == "other_department"
        assert [snapshot(s, duplicate), snapshot(s, master)] == before


def test_a_supervisor_of_another_department_cannot_bulk_assign_here_and_nothing_is_assigned(db, cast):
    s = db.session
    before = [snapshot(s, cast.request), snapshot(s, cast.twin)]
    with pytest.raises(NotAllowed) as refused:
        actions.bulk_assign(s, [cast.twin.id, cast.request.id], cast.elsewhere.agent.id, user=cast.elsewhere.supervisor)
    assert refused.value.code == "other_department"
    assert refused.value.params["number"] == min(cast.request, cast.twin, key=lambda r: r.id).tracking_number
    assert [snapshot(s, cast.request), snapshot(s, cast.twin)] == before


def test_a_bulk_assignment_is_all_or_nothing(db, store, cast):
    """One request that cannot be assigned leaves every other one as it was, before the caller rolls back."""
    s, office = db.session, cast.office
    late = make_request(s, store, service=office.service)
    actions.reject(s, late, user=office.agent, reason="Hors de la commune")  # decided: cannot be assigned
    chosen = sorted([cast.twin, cast.request, late], key=lambda r: r.id)
    before = [snapshot(s, r) for r in chosen]
    with pytest.raises(Invalid) as refused:
        actions.bulk_assign(s, [r.id for r in chosen], office.agent.id, user=office.supervisor)
    assert (refused.value.code, refused.value.params["number"]) == ("bulk_assign_refused", late.tracking_number)
    assert [snapshot(s, r) for r in chosen] == before
    assert [r.assigned_to_id for r in chosen] == [None, None, None]


def test_a_bulk_assignment_skips_requests_already_with_that_person(db, cast):
    s, office = db.session, cast.office
    actions.assign(s, cast.request, office.agent.id, user=office.agent)
    moved = actions.bulk_assign(
        s, [cast.request.id, cast.twin.id, str(cast.twin.id)], office.agent.id, user=office.supervisor
    )
    assert moved == [cast.twin]
    assert {cast.request.assigned_to_id, cast.twin.assigned_to_id} == {office.agent.id}


def test_taking_a_request_one_already_works_on_is_refused_and_keeps_its_progress(db, cast):
    """Assigning an in-progress request to the person working on it would only move it back to 'assigned'."""
    s, office = db.session, cast.office
    actions.assign(s, cast.request, office.agent.id, user=office.agent)
    actions.transition(s, cast.request, "start", user=office.agent)
    before = snapshot(s, cast.request)
    for user in (office.agent, office.supervisor):
        with pytest.raises(Invalid) as refused:
            actions.assign(s, cast.request, office.agent.id, user=user)
        assert refused.value.code == "already_assigned"
        assert snapshot(s, cast.request) == before
    assert actions.bulk_assign(s, [cast.request.id], office.agent.id, user=office.supervisor) == []
    assert snapshot(s, cast.request) == before
    # Handing it over to someone else is a real change: the new person has not started yet.
    actions.assign(s, cast.request, office.supervisor.id, user=office.supervisor)
    assert (cast.request.status, cast.request.assigned_to_id) == (Status.ASSIGNED, office.supervisor.id)
