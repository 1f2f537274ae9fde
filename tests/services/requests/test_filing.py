from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from services.accounts.models import Role
from services.errors import Conflict, Invalid, InvalidTransition, NotAllowed, NotFound
from services.notifications.models import OutboxMessage
from services.requests import service as requests
from services.requests.models import AuditTampering, RequestEvent, ServiceRequest
from services.requests.uploads import Upload
from services.workflow import transitions
from services.workflow.transitions import Actor
from tests.factories import make_request, make_service, make_user
from tests.services.requests.test_uploads import jpeg_with_gps

KEY = b"test-key" * 4


def outbox(db, kind=None):
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(stmt))


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_citizen_gets_a_tracking_number_a_deadline_and_an_email(db, store):
    citizen = make_user(db.session, locale="ar")
    request = make_request(db.session, store, user=citizen)
    assert request.tracking_number.startswith(f"BRK-{request.year}-")
    assert request.status == "new"
    assert request.deadline_at > request.filed_at
    assert [e.action for e in request.events] == ["filed"]
    [mail] = outbox(db, "request_received")
    assert (mail.recipient, mail.locale) == (citizen.email, "ar")
    assert mail.context["tracking_number"] == request.tracking_number


def test_the_same_form_sent_twice_makes_one_request(db, store):
    citizen = make_user(db.session)
    service = make_service(db.session)
    first = make_request(db.session, store, service=service, user=citizen, idempotency_key="k" * 24)
    second = make_request(db.session, store, service=service, user=citizen, idempotency_key="k" * 24)
    assert first.id == second.id
    assert count(db, ServiceRequest) == 1
    assert len(outbox(db, "request_received")) == 1


def test_someone_else_cannot_reuse_a_form_key(db, store):
    service = make_service(db.session)
    make_request(db.session, store, service=service, idempotency_key="k" * 24)
    with pytest.raises(Conflict):
        make_request(db.session, store, service=service, idempotency_key="k" * 24)


def test_bad_answers_save_nothing_not_even_the_files(db, store):
    service = make_service(
        db.session,
        fields=[
            {"name": "details", "type": "text", "label_ar": "ع", "label_fr": "Détails", "required": True},
            {"name": "photo", "type": "file", "label_ar": "ص", "label_fr": "Photo", "file_types": ["jpeg"]},
        ],
    )
    with pytest.raises(Invalid):
        make_request(
            db.session,
            store,
            service=service,
            values={"details": ""},
            files={"photo": [Upload("a.jpg", jpeg_with_gps())]},
        )
    assert count(db, ServiceRequest) == 0
    assert not store.root.exists() or not any(store.root.rglob("*"))


def test_photos_are_kept_outside_the_web_root_without_their_metadata(db, store):
    service = make_service(
        db.session,
        fields=[
            {"name": "photo", "type": "file", "label_ar": "ص", "label_fr": "Photo", "required": True, "max_files": 2}
        ],
    )
    request = make_request(
        db.session, store, service=service, values={}, files={"photo": [Upload("IMG_1.jpg", jpeg_with_gps())]}
    )
    [attachment] = request.attachments
    assert attachment.field_name == "photo" and attachment.media_type == "image/jpeg"
    data = store.read(attachment.storage_key)
    assert b"PhoneMaker" not in data
    assert "IMG_1" not in attachment.storage_key


def test_without_an_account_a_report_waits_for_the_email_to_be_confirmed(db, store):
    request = make_request(db.session, store, contact_email="Rachid@Example.org", contact_phone="0612345678")
    assert request.status == "pending_confirmation"
    assert (request.contact_email, request.contact_phone) == ("rachid@example.org", "+212612345678")
    [mail] = outbox(db)
    assert mail.kind == "confirm_contact" and mail.recipient == "rachid@example.org"
    token = mail.context["path"].rsplit("/", 1)[1]

    confirmed = requests.confirm_contact(db.session, token)
    assert confirmed.id == request.id and confirmed.status == "new"
    assert [m.kind for m in outbox(db)] == ["confirm_contact", "request_received"]
    with pytest.raises(NotFound):
        requests.confirm_contact(db.session, token)  # a link works once


def test_a_confirmation_link_expires(db, store):
    request = make_request(db.session, store, contact_email="a@example.org")
    token = outbox(db)[0].context["path"].rsplit("/", 1)[1]
    with pytest.raises(Invalid):
        requests.confirm_contact(db.session, token, now=request.filed_at + timedelta(days=8))


def test_certificates_need_an_account_with_a_cnie(db, store):
    certificate = make_service(db.session, kind="certificate")
    with pytest.raises(NotAllowed) as refused:
        make_request(db.session, store, service=certificate, contact_email="a@example.org")
    assert refused.value.code == "sign_in_to_file"
    with pytest.raises(NotAllowed) as refused:
        make_request(db.session, store, service=certificate, user=make_user(db.session, cnie=None))
    assert refused.value.code == "certificate_needs_cnie"


def test_staff_do_not_file_requests_as_citizens(db, store):
    with pytest.raises(NotAllowed):
        make_request(db.session, store, user=make_user(db.session, Role.AGENT))


def test_an_anonymous_filer_needs_a_valid_email(db, store):
    with pytest.raises(Invalid) as refused:
        make_request(db.session, store, contact_email="not-an-email", contact_phone="123")
    assert {e.field: e.code for e in refused.value.errors} == {
        "contact_email": "email_invalid",
        "contact_phone": "phone_invalid",
    }


def test_lookup_needs_the_number_and_the_secret(db, store):
    request = make_request(db.session, store)
    secret = requests.receipt_secret(request, key=KEY)
    assert requests.lookup(db.session, request.tracking_number.lower(), secret, key=KEY).id == request.id
    for number, typed in (
        (request.tracking_number, "AAAAA-AAAAA"),
        (request.tracking_number, ""),
        ("BRK-2026-999999-0", secret),
    ):
        with pytest.raises(NotFound):
            requests.lookup(db.session, number, typed, key=KEY)


def test_a_citizen_sees_only_their_own_requests(db, store):
    request = make_request(db.session, store)
    with pytest.raises(NotFound):
        requests.get_for_user(db.session, request.tracking_number, make_user(db.session))
    with pytest.raises(NotFound):
        requests.get_for_user(db.session, request.tracking_number, make_user(db.session, Role.AGENT))
    assert requests.list_for_citizen(db.session, request.citizen) == [request]


def move(db, request, *actions, note="Pièce manquante : copie de la CNIE"):
    agent = make_user(db.session, Role.AGENT, department_id=request.department_id)
    for action in actions:
        transitions.apply(db.session, request, action, actor=Actor.AGENT, user=agent, note=note)
    return agent


def test_the_department_may_ask_for_a_missing_document_only_once(db, store):
    request = make_request(db.session, store)
    move(db, request, "acknowledge", "request_document")
    assert request.status == "waiting_citizen"
    mail = outbox(db, "status_changed")[-1]
    assert mail.context["status"] == "waiting_citizen" and "CNIE" in mail.context["message"]

    requests.provide_document(
        db.session,
        request,
        user=request.citizen,
        proven_filer=False,
        note="Voici la copie",
        files=[Upload("cnie.jpg", jpeg_with_gps())],
        store=store,
    )
    assert request.status == "in_progress"
    assert [a.event_id is not None for a in request.attachments] == [True]
    with pytest.raises(InvalidTransition) as refused:
        move(db, request, "request_document")
    assert refused.value.code == "document_already_requested"


def test_rating_comes_once_after_the_decision(db, store):
    request = make_request(db.session, store)
    with pytest.raises(Invalid):
        requests.rate(db.session, request, user=request.citizen, proven_filer=False, rating=5, comment=None)
    move(db, request, "acknowledge", "start", "resolve")
    with pytest.raises(Invalid):
        requests.rate(db.session, request, user=request.citizen, proven_filer=False, rating=9, comment=None)
    requests.rate(db.session, request, user=request.citizen, proven_filer=False, rating="4", comment="Rapide")
    assert (request.rating, request.rating_comment) == (4, "Rapide")
    with pytest.raises(Conflict):
        requests.rate(db.session, request, user=request.citizen, proven_filer=False, rating=1, comment=None)


def test_a_resolved_request_can_be_reopened_within_seven_days_with_a_reason(db, store):
    request = make_request(db.session, store)
    move(db, request, "acknowledge", "start", "resolve")
    with pytest.raises(Invalid):
        requests.reopen(db.session, request, user=request.citizen, proven_filer=False, reason="  ")
    late = request.resolved_at + timedelta(days=8)
    with pytest.raises(InvalidTransition) as refused:
        requests.reopen(
            db.session, request, user=request.citizen, proven_filer=False, reason="Toujours éteint", now=late
        )
    assert refused.value.code == "reopen_too_late"
    requests.reopen(db.session, request, user=request.citizen, proven_filer=False, reason="Toujours éteint")
    assert request.status == "in_progress"


def test_another_citizen_cannot_act_on_a_request(db, store):
    request = make_request(db.session, store)
    move(db, request, "acknowledge", "start", "resolve")
    with pytest.raises(NotAllowed):
        requests.rate(db.session, request, user=make_user(db.session), proven_filer=False, rating=1, comment=None)
    with pytest.raises(NotAllowed):  # a secret only opens requests filed without an account
        requests.rate(db.session, request, user=None, proven_filer=True, rating=1, comment=None)


def test_history_entries_cannot_be_changed_by_the_application(db, store):
    request = make_request(db.session, store)
    entry = request.events[0]
    entry.note = "rewritten"
    with pytest.raises(AuditTampering):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("statement", ["UPDATE request_event SET note = 'x'", "DELETE FROM request_event"])
def test_history_entries_cannot_be_changed_even_in_sql(db, store, statement):
    make_request(db.session, store)
    db.session.commit()
    with pytest.raises(DatabaseError), db.session.begin_nested():
        db.session.execute(text(statement))
    assert count(db, RequestEvent) == 1


def test_staff_cannot_rate_in_the_citizens_place(db, store):
    request = make_request(db.session, store)
    agent = move(db, request, "acknowledge", "start", "resolve")
    with pytest.raises(NotAllowed):
        requests.rate(db.session, request, user=agent, proven_filer=False, rating=5, comment=None)
    assert request.rating is None
