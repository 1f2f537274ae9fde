"""The outbox keeps every email until the mail server has taken it, retrying with growing delays."""

from datetime import UTC, datetime, timedelta

import pytest

from services.errors import Invalid, InvalidTransition, NotFound
from services.notifications import outbox
from services.notifications.models import OutboxMessage
from services.notifications.smtp import SmtpTransport
from tests.smtp import HOST, free_port

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
CONTEXT = {
    "tracking_number": "BRK-2026-000123-K",
    "service_name_ar": "شهادة السكنى",
    "service_name_fr": "Certificat de résidence",
    "filed_at": "2026-11-24T08:59:00+00:00",
    "deadline": "2026-12-08",
    "path": "/track/BRK-2026-000123-K",
}


def aware(moment: datetime) -> datetime:
    """Stored times are UTC; the embedded database hands them back without their zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def render(message: OutboxMessage) -> tuple[str, str, str]:
    number = message.context["tracking_number"]
    return f"Request {number}", f"Text for {message.recipient}", f"<p>HTML for {message.recipient}</p>"


def transport_to(server) -> SmtpTransport:
    return SmtpTransport(host=server.host, port=server.port, sender="Commune <no-reply@berkane.example>", timeout=5)


def closed_port_transport() -> SmtpTransport:
    return SmtpTransport(host=HOST, port=free_port(), sender="no-reply@berkane.example", timeout=5)


def enqueue(session, recipient="citizen@example.org", **overrides) -> OutboxMessage:
    values = {"kind": outbox.REQUEST_RECEIVED, "recipient": recipient, "locale": "ar", "context": CONTEXT} | overrides
    return outbox.enqueue(session, **values)


def due_at(message: OutboxMessage, moment: datetime) -> OutboxMessage:
    message.next_attempt_at = moment
    return message


def test_enqueued_message_waits_in_the_outbox_without_contacting_any_server(db):
    message = enqueue(db.session, recipient="  Citizen@Example.org ")
    assert message.id is not None
    assert (message.status, message.attempts, message.sent_at) == ("pending", 0, None)
    assert message.recipient == "citizen@example.org"
    assert message.context == CONTEXT


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"kind": "newsletter"}, "notification_kind_unknown"),
        ({"locale": "en"}, "locale_unknown"),
        ({"recipient": "not an address"}, "email_invalid"),
        ({"context": {"filed_at": datetime(2026, 11, 24, tzinfo=UTC)}}, "notification_context_invalid"),
    ],
)
def test_enqueue_refuses_what_could_never_be_sent(db, overrides, code):
    with pytest.raises(Invalid) as caught:
        enqueue(db.session, **overrides)
    assert caught.value.code == code


def test_due_messages_are_the_pending_ones_whose_time_has_come_oldest_first(db):
    later = due_at(enqueue(db.session, "later@example.org"), NOW + timedelta(minutes=5))
    second = due_at(enqueue(db.session, "second@example.org"), NOW - timedelta(minutes=1))
    first = due_at(enqueue(db.session, "first@example.org"), NOW - timedelta(minutes=10))
    sent = due_at(enqueue(db.session, "sent@example.org"), NOW - timedelta(hours=1))
    sent.status = "sent"
    failed = due_at(enqueue(db.session, "failed@example.org"), NOW - timedelta(hours=1))
    failed.status = "failed"
    db.session.flush()

    due = outbox.due_messages(db.session, NOW, 10)

    assert [m.id for m in due] == [first.id, second.id]
    assert later not in due
    assert [m.id for m in outbox.due_messages(db.session, NOW, 1)] == [first.id]


def test_delivered_message_reaches_the_server_and_is_marked_sent(db, smtp_server):
    message = due_at(enqueue(db.session), NOW)

    outcome = outbox.deliver(db.session, message, render, transport_to(smtp_server), NOW)

    assert outcome is outbox.Outcome.SENT
    assert (message.status, message.attempts, aware(message.sent_at)) == ("sent", 1, NOW)
    [email] = smtp_server.messages
    assert email["To"] == "citizen@example.org"
    assert email["Subject"] == "Request BRK-2026-000123-K"
    assert outbox.due_messages(db.session, NOW + timedelta(days=1), 10) == []


def test_sent_message_is_never_sent_again(db, smtp_server):
    message = due_at(enqueue(db.session), NOW)
    outbox.deliver(db.session, message, render, transport_to(smtp_server), NOW)

    with pytest.raises(InvalidTransition):
        outbox.deliver(db.session, message, render, transport_to(smtp_server), NOW)
    assert len(smtp_server.messages) == 1


def test_unreachable_mail_server_leaves_the_message_pending_for_a_minute_later(db):
    message = due_at(enqueue(db.session), NOW)

    outcome = outbox.deliver(db.session, message, render, closed_port_transport(), NOW)

    assert outcome is outbox.Outcome.RETRY_LATER
    assert (message.status, message.attempts, message.sent_at) == ("pending", 1, None)
    assert aware(message.next_attempt_at) == NOW + timedelta(minutes=1)
    assert "ConnectionRefusedError" in message.last_error
    assert outbox.due_messages(db.session, NOW, 10) == []


@pytest.mark.parametrize("reply", ["451 4.3.0 Mail server busy, try later", "550 5.7.1 Relaying denied"])
def test_a_refusal_by_the_mail_server_is_recorded_and_retried_later(db, smtp_server, reply):
    smtp_server.data_reply = reply
    message = due_at(enqueue(db.session), NOW)

    outcome = outbox.deliver(db.session, message, render, transport_to(smtp_server), NOW)

    assert outcome is outbox.Outcome.RETRY_LATER
    assert (message.status, message.attempts) == ("pending", 1)
    assert reply.split()[0] in message.last_error and reply.split()[-1] in message.last_error
    assert aware(message.next_attempt_at) > NOW
    assert smtp_server.messages == []


def test_waiting_time_doubles_after_each_failure_up_to_six_hours():
    delays = [outbox.backoff(attempts) for attempts in range(1, 12)]
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delays == sorted(delays)
    assert max(delays) == timedelta(hours=6) == delays[-1]


def test_message_fails_for_good_after_the_last_attempt_and_keeps_its_error(db):
    message = due_at(enqueue(db.session), NOW)
    transport, now, waits = closed_port_transport(), NOW, []
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        assert outbox.deliver(db.session, message, render, transport, now) is outbox.Outcome.RETRY_LATER
        waits.append(aware(message.next_attempt_at) - now)
        now = aware(message.next_attempt_at)
        assert [m.id for m in outbox.due_messages(db.session, now, 10)] == [message.id]

    assert outbox.deliver(db.session, message, render, transport, now) is outbox.Outcome.FAILED

    assert waits == sorted(waits) and waits[0] < waits[-1]
    assert (message.status, message.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    assert "ConnectionRefusedError" in message.last_error
    assert outbox.due_messages(db.session, now + timedelta(days=30), 10) == []


def test_one_refused_recipient_does_not_stop_the_other_messages(db, smtp_server):
    smtp_server.reject_recipients["refused@example.org"] = "550 5.1.1 No such mailbox"
    messages = [due_at(enqueue(db.session, f"{name}@example.org"), NOW) for name in ("first", "refused", "third")]
    transport = transport_to(smtp_server)

    outcomes = [outbox.deliver(db.session, m, render, transport, NOW) for m in outbox.due_messages(db.session, NOW, 10)]

    assert outcomes == [outbox.Outcome.SENT, outbox.Outcome.RETRY_LATER, outbox.Outcome.SENT]
    assert [m.status for m in messages] == ["sent", "pending", "sent"]
    assert "No such mailbox" in messages[1].last_error
    assert sorted(email["To"] for email in smtp_server.messages) == ["first@example.org", "third@example.org"]


def test_a_message_that_cannot_be_written_is_retried_like_a_delivery_failure(db, smtp_server):
    broken, fine = due_at(enqueue(db.session, "broken@example.org"), NOW), due_at(enqueue(db.session), NOW)

    def render_or_fail(message):
        if message.recipient == "broken@example.org":
            raise KeyError("status")
        return render(message)

    transport = transport_to(smtp_server)
    assert outbox.deliver(db.session, broken, render_or_fail, transport, NOW) is outbox.Outcome.RETRY_LATER
    assert outbox.deliver(db.session, fine, render_or_fail, transport, NOW) is outbox.Outcome.SENT
    assert broken.last_error == "KeyError: 'status'"


def test_retry_puts_a_failed_message_back_in_the_queue_with_fresh_attempts(db):
    message = enqueue(db.session)
    message.status, message.attempts, message.last_error = "failed", outbox.MAX_ATTEMPTS, "boom"
    db.session.flush()

    outbox.retry(db.session, message.id, now=NOW)

    assert (message.status, message.attempts, aware(message.next_attempt_at)) == ("pending", 0, NOW)
    assert message.last_error == "boom"  # until the next attempt says otherwise
    assert [m.id for m in outbox.due_messages(db.session, NOW, 10)] == [message.id]


def test_retry_refuses_a_sent_message_and_an_unknown_one(db):
    message = enqueue(db.session)
    message.status = "sent"
    db.session.flush()
    with pytest.raises(InvalidTransition):
        outbox.retry(db.session, message.id)
    with pytest.raises(NotFound):
        outbox.retry(db.session, message.id + 1000)


def test_retry_failed_requeues_every_failed_message_and_only_those(db):
    failed = [enqueue(db.session, f"f{n}@example.org") for n in range(3)]
    for message in failed:
        message.status, message.attempts = "failed", outbox.MAX_ATTEMPTS
    sent = enqueue(db.session, "sent@example.org")
    sent.status = "sent"
    db.session.flush()

    assert outbox.retry_failed(db.session, now=NOW) == 3

    assert {m.status for m in failed} == {"pending"} and sent.status == "sent"


def test_summary_counts_every_status_and_the_list_shows_failed_messages_first(db):
    pending = due_at(enqueue(db.session, "pending@example.org"), NOW - timedelta(hours=1))
    failed = due_at(enqueue(db.session, "failed@example.org"), NOW)
    failed.status = "failed"
    enqueue(db.session, "sent@example.org").status = "sent"
    db.session.flush()

    counts = outbox.summary(db.session)
    page = outbox.list_messages(db.session)

    assert counts == {"pending": 1, "sent": 1, "failed": 1}
    assert [m.id for m in page.items] == [failed.id, pending.id]
    assert (page.total, page.pages) == (2, 1)
