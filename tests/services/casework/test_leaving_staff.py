"""A member of staff who leaves is deactivated, not deleted: their work goes back to the queue, their name stays."""

import pytest

from services.accounts import service as accounts
from services.accounts.models import Role
from services.casework import actions, audit
from services.errors import NotAllowed
from services.workflow.states import Status
from tests.factories import PASSWORD, make_request, make_service, make_user


def test_a_deactivated_agent_keeps_their_name_in_the_history_and_gives_back_open_requests(db, store):
    service = make_service(db.session)
    admin = make_user(db.session, Role.ADMIN)
    agent = make_user(db.session, Role.AGENT, department=service.department, full_name="Karim Bennani")
    assigned, started = (
        make_request(db.session, store, service=service),
        make_request(db.session, store, service=service),
    )
    for request in (assigned, started):
        actions.transition(db.session, request, "acknowledge", user=agent)
        actions.assign(db.session, request, agent.id, user=agent)
    actions.transition(db.session, started, "start", user=agent)

    accounts.update_user(
        db.session,
        admin,
        agent.id,
        full_name=agent.full_name,
        role="agent",
        department_id=agent.department_id,
        is_active=False,
    )
    released = actions.release_assignments(db.session, agent, user=admin)

    assert sorted(r.id for r in released) == sorted([assigned.id, started.id])
    assert (assigned.status, assigned.assigned_to_id) == (Status.ACKNOWLEDGED, None)
    assert (started.status, started.assigned_to_id) == (Status.IN_PROGRESS, None)
    for request in (assigned, started):
        entry = request.events[-1]
        assert (entry.action, entry.is_public, entry.actor_id) == ("unassign", False, admin.id)
        assert entry.data == {"previous_id": agent.id}
        assert [e.actor.full_name for e in request.events if e.action == "assign"] == ["Karim Bennani"]
        assert audit.discrepancies(request) == []
    with pytest.raises(NotAllowed, match="account_inactive"):
        accounts.authenticate(db.session, agent.email, PASSWORD)
    assert actions.release_assignments(db.session, agent, user=admin) == []  # nothing left to give back
