"""The supervisors' digest of overdue and due-soon requests, one email each, in their own language."""

from datetime import timedelta

from sqlalchemy import select

from services.accounts.models import Role
from services.casework import actions, overdue
from services.casework.queue import DUE_SOON
from services.db import utcnow
from services.notifications.models import OutboxMessage
from tests.factories import make_request, make_user
from tests.services.casework.support import make_office

NOW = utcnow().replace(microsecond=0)


def _due(session, store, office, deadline, **kw):
    request = make_request(session, store, service=office.service, **kw)
    request.deadline_at = deadline  # test set-up: deadlines relative to a fixed now
    session.flush()
    return request


def _digests(session) -> list[OutboxMessage]:
    return list(
        session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "overdue_digest").order_by(OutboxMessage.id))
    )


def test_digests_group_open_requests_by_department_and_split_overdue_from_due_soon(db, store):
    s = db.session
    lights, roads, calm = (make_office(s, place=False) for _ in range(3))
    late = _due(s, store, lights, NOW - timedelta(days=2))
    just_late = _due(s, store, lights, NOW - timedelta(seconds=1))
    soon = _due(s, store, lights, NOW + DUE_SOON - timedelta(seconds=1))
    _due(s, store, lights, NOW + DUE_SOON)  # 48 hours away: not yet
    answered = _due(s, store, lights, NOW - timedelta(days=5))
    actions.reject(s, answered, user=lights.agent, reason="Hors de la commune")
    unconfirmed = _due(s, store, lights, NOW - timedelta(days=5), contact_email="voisin@example.org")
    road_soon = _due(s, store, roads, NOW + timedelta(hours=1))
    _due(s, store, calm, NOW + timedelta(days=10))

    digests = {d.department.id: d for d in overdue.digests(s, now=NOW)}
    assert set(digests) == {lights.department.id, roads.department.id}  # nothing late in the calm department
    assert [r.id for r in digests[lights.department.id].overdue] == [late.id, just_late.id]  # most late first
    assert [r.id for r in digests[lights.department.id].due_soon] == [soon.id]
    assert (digests[roads.department.id].overdue, digests[roads.department.id].due_soon) == ([], [road_soon])
    everything = {r.id for d in digests.values() for r in d.overdue + d.due_soon}
    assert answered.id not in everything and unconfirmed.id not in everything


def test_each_active_supervisor_gets_one_email_in_their_language(db, store):
    s = db.session
    office = make_office(s, place=False)
    office.supervisor.locale = "fr"
    arabic = make_user(s, Role.SUPERVISOR, department=office.department, locale="ar")
    unset = make_user(s, Role.SUPERVISOR, department=office.department, locale=None)
    make_user(s, Role.SUPERVISOR, department=office.department, is_active=False)  # gone: nothing
    late = _due(s, store, office, NOW - timedelta(days=1))
    actions.assign(s, late, office.agent.id, user=office.agent)
    soon = _due(s, store, office, NOW + timedelta(hours=3))

    sent = overdue.send_digests(s, now=NOW)
    assert [(user.id, digest.department.id) for user, digest in sent] == [
        (office.supervisor.id, office.department.id),
        (arabic.id, office.department.id),
        (unset.id, office.department.id),
    ]
    mails = _digests(s)
    assert [(m.recipient, m.locale) for m in mails] == [
        (office.supervisor.email, "fr"),
        (arabic.email, "ar"),
        (unset.email, "ar"),  # Arabic is the commune's default
    ]
    context = mails[0].context
    assert (context["overdue_count"], context["due_soon_count"]) == (1, 1)
    assert [i["tracking_number"] for i in context["overdue"]] == [late.tracking_number]
    assert [i["tracking_number"] for i in context["due_soon"]] == [soon.tracking_number]
    assert context["overdue"][0]["assignee"] == office.agent.full_name
    assert context["due_soon"][0]["assignee"] is None
    assert (context["department_ar"], context["department_fr"]) == (
        office.department.name_ar,
        office.department.name_fr,
    )
    assert all(m.context == context for m in mails)  # the same news, each in their language
    # The agents are not written to.
    assert office.agent.email not in {m.recipient for m in mails}


def test_inactive_departments_and_departments_without_an_active_supervisor_send_nothing(db, store):
    s = db.session
    closed, leaderless, running = (make_office(s, place=False) for _ in range(3))
    for office in (closed, leaderless, running):
        _due(s, store, office, NOW - timedelta(days=1))
    closed.department.is_active = False
    leaderless.supervisor.is_active = False
    s.flush()
    assert {d.department.id for d in overdue.digests(s, now=NOW)} == {leaderless.department.id, running.department.id}
    sent = overdue.send_digests(s, now=NOW)
    assert [user.id for user, _digest in sent] == [running.supervisor.id]
    assert [m.recipient for m in _digests(s)] == [running.supervisor.email]


def test_a_quiet_day_sends_nothing(db, store):
    s = db.session
    office = make_office(s, place=False)
    _due(s, store, office, NOW + timedelta(days=5))
    assert overdue.digests(s, now=NOW) == []
    assert overdue.send_digests(s, now=NOW) == []
    assert _digests(s) == []


def test_a_long_list_is_cut_in_the_email_but_counted_in_full(db, store, monkeypatch):
    s = db.session
    office = make_office(s, place=False)
    monkeypatch.setattr(overdue, "ITEMS_MAX", 2)
    for hours in (1, 2, 3):
        _due(s, store, office, NOW - timedelta(hours=hours))
    overdue.send_digests(s, now=NOW)
    [mail] = _digests(s)
    assert (mail.context["overdue_count"], len(mail.context["overdue"])) == (3, 2)
