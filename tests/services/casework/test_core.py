"""The staff operations end to end through the service layer: queue, assignment, decisions, merge, audit."""

from datetime import timedelta

import pytest

from services.accounts.models import Role
from services.casework import actions, audit, duplicates, queue
from services.casework.queue import QueueFilter
from services.errors import Conflict, NotAllowed
from services.notifications.models import OutboxMessage
from services.workflow.states import Status
from tests.factories import make_district, make_request, make_service, make_user

PLACE = [
    {"name": "details", "type": "textarea", "label_ar": "ت", "label_fr": "Détails", "required": True},
    {"name": "place", "type": "location", "label_ar": "م", "label_fr": "Lieu", "required": True},
]


@pytest.fixture
def setting(db, store):
    district = make_district(db.session, bounds=(-2.33, 34.91, -2.31, 34.93))
    service = make_service(db.session, fields=PLACE)
    agent = make_user(db.session, Role.AGENT, department=service.department)
    supervisor = make_user(db.session, Role.SUPERVISOR, department=service.department)

    def report(lat="34.9200", lon="-2.3200", text="Lampe éteinte rue des Orangers"):
        values = {"details": text, "place__district": "", "place__lat": lat, "place__lon": lon}
        values["place__address"] = "Rue des Orangers"
        return make_request(db.session, store, service=service, values=values)

    return district, service, agent, supervisor, report


def test_a_report_runs_from_queue_to_resolution_and_its_history_replays_to_its_state(db, store, setting):
    district, service, agent, _supervisor, report = setting
    request = report()
    page = queue.department_queue(db.session, service.department_id, QueueFilter(), user_id=agent.id)
    assert [r.tracking_number for r in page.items] == [request.tracking_number]

    actions.transition(db.session, request, "acknowledge", user=agent)
    actions.assign(db.session, request, agent.id, user=agent)
    actions.transition(db.session, request, "start", user=agent)
    actions.add_note(db.session, request, user=agent, body="Équipe prévue jeudi")
    actions.post_message(db.session, request, user=agent, body="Nous intervenons jeudi.")
    actions.resolve(db.session, request, user=agent, note="Lampe changée", photos=[], store=store)

    assert request.status == Status.RESOLVED
    assert audit.discrepancies(request) == []
    mine = queue.department_queue(
        db.session, service.department_id, QueueFilter(status="all", assigned="me"), user_id=agent.id
    )
    assert mine.total == 1
    in_district = queue.department_queue(
        db.session, service.department_id, QueueFilter(status="all", district_id=district.id), user_id=agent.id
    )
    assert in_district.total == 1


def test_a_stale_form_is_refused_and_changes_nothing(db, setting):
    *_, agent, _supervisor, report = setting
    request = report()
    seen = request.row_version
    actions.transition(db.session, request, "acknowledge", user=agent)
    with pytest.raises(Conflict, match="request_changed"):
        actions.assign(db.session, request, agent.id, user=agent, seen_version=seen)
    assert request.status == Status.ACKNOWLEDGED


def test_a_nearby_report_is_a_duplicate_candidate_and_its_citizen_follows_the_master(db, setting):
    _district, _service, agent, supervisor, report = setting
    master = report()
    copy = report(lat="34.9202", lon="-2.3201")  # about 25 m away
    far = report(lat="34.9250", lon="-2.3200")  # about 550 m away
    found = duplicates.candidates(db.session, copy)
    assert [c.request.id for c in found] == [master.id]
    assert 10 < found[0].distance_m < 40
    assert far.id not in [c.request.id for c in duplicates.candidates(db.session, master)]

    with pytest.raises(NotAllowed):
        actions.merge(db.session, copy, master, user=agent)
    actions.merge(db.session, copy, master, user=supervisor)
    assert copy.status == Status.DUPLICATE and copy.merged_into_id == master.id
    before = db.session.query(OutboxMessage).count()
    actions.post_message(db.session, master, user=agent, body="Intervention prévue.")
    assert db.session.query(OutboxMessage).count() == before + 2  # the master's citizen and the follower
    assert audit.discrepancies(copy) == []


def test_a_rejection_quotes_the_appeal_route_and_overdue_filter_finds_late_requests(db, setting):
    *_, service, agent, _supervisor, report = setting
    request = report()
    actions.reject(db.session, request, user=agent, reason="Hors du territoire de la commune")
    event = request.events[-1]
    assert "Tribunal administratif" in event.data["appeal_fr"]
    late = report()
    late.deadline_at = late.deadline_at - timedelta(days=90)
    db.session.flush()
    page = queue.department_queue(db.session, service.department_id, QueueFilter(due="overdue"), user_id=agent.id)
    assert [r.id for r in page.items] == [late.id]
