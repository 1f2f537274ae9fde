"""Staff close an open request without action, with a reason the citizen reads; it never counts as resolved."""

import pytest
from sqlalchemy import select

from services.notifications.models import OutboxMessage
from services.workflow.states import Status
from tests.conftest import page_text, tr
from tests.factories import make_user
from tests.portal.test_staff_request import act, browser, events, office, refreshed  # noqa: F401 (fixtures)


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_an_agent_closes_a_request_without_action_and_the_citizen_reads_why(office, browser, db, lang):  # noqa: F811
    citizen = make_user(db.session, full_name="Hind", locale=lang)
    request = office.report(citizen=citizen, locale=lang)
    agent = browser(office.agent)  # the agent reads French (their own language); the citizen reads `lang`
    assert tr("fr", "Close without action") in page_text(agent.get(f"/staff/requests/{request.tracking_number}"))

    # Without a reason nothing is saved, and the form says what is missing in the agent's language.
    refused = act(agent, request, "close-without-action", {"no_action-note": "  "})
    assert refused.status_code == 400
    assert refreshed(db, request).status == Status.NEW and refreshed(db, request).outcome is None

    done = act(agent, request, "close-without-action", {"no_action-note": "Aucune panne constatée sur place."})
    assert done.status_code == 303
    closed = refreshed(db, request)
    assert (closed.status, closed.outcome) == (Status.CLOSED, "no_action")
    assert closed.handled_by_id == office.agent.id and closed.resolved_at is None
    [entry] = events(db, request, "close_without_action")
    assert entry.note == "Aucune panne constatée sur place." and entry.is_public
    assert db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == citizen.email, OutboxMessage.kind == "status_changed")
    )
    text = page_text(browser(citizen, lang).get(f"/track/{request.tracking_number}"))
    assert tr(lang, "Closed without action") in text and "Aucune panne constatée sur place." in text
    # Closed, it offers no more moves of the kind.
    assert tr("fr", "Close without action") not in page_text(agent.get(f"/staff/requests/{request.tracking_number}"))
