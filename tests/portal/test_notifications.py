"""Citizens get their emails in their language, sent by `flask notifications send`; admins see failures."""

import re
from datetime import date

import pytest
from babel.dates import format_date
from sqlalchemy import select

from services.notifications import outbox
from services.notifications.models import OutboxMessage
from tests.conftest import PUBLIC_URL, page_text, tr
from tests.smtp import HOST, free_port

NUMBER = "BRK-2026-000123-K"
RECEIVED = {
    "tracking_number": NUMBER,
    "service_name_ar": "شهادة السكنى",
    "service_name_fr": "Certificat de résidence",
    "filed_at": "2026-11-24T09:30:00+00:00",
    "deadline": "2026-12-08",
    "path": f"/track/{NUMBER}",
}


def queue(db, kind=outbox.REQUEST_RECEIVED, locale="ar", recipient="citizen@example.org", **context):
    message = outbox.enqueue(db.session, kind=kind, recipient=recipient, locale=locale, context=RECEIVED | context)
    db.session.commit()
    return message


def send(app, *args):
    result = app.test_cli_runner().invoke(args=["notifications", "send", *args])
    assert result.exit_code == 0, result.output
    return result.output


def bodies(email) -> tuple[str, str]:
    """The plain text and HTML parts, with the wire's CRLF line ends back to newlines."""
    text, html = (email.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))
    return text, html


def test_receipt_in_arabic_is_right_to_left_with_moroccan_dates_and_an_absolute_link(app, db, mail):
    queue(db, locale="ar")

    assert send(app).strip() == "1 sent, 0 to retry later, 0 failed."

    [email] = mail.messages
    text, html = bodies(email)
    assert email["To"] == "citizen@example.org"
    assert email["Subject"] == tr("ar", "We have received your request %(number)s") % {"number": NUMBER}
    assert '<html lang="ar" dir="rtl">' in html
    deadline = format_date(date(2026, 12, 8), "long", locale="ar_MA")
    for body in (text, html):
        assert tr("ar", "Commune of Berkane — e-services portal") in body
        assert tr("ar", "Your request has been received") in html
        assert "شهادة السكنى" in body and "Certificat de résidence" not in body
        assert NUMBER in body and deadline in body
        assert f"{PUBLIC_URL}/track/{NUMBER}" in body


def test_receipt_in_french_is_left_to_right_with_french_dates(app, db, mail):
    queue(db, locale="fr")

    send(app)

    [email] = mail.messages
    text, html = bodies(email)
    assert email["Subject"] == tr("fr", "We have received your request %(number)s") % {"number": NUMBER}
    assert '<html lang="fr" dir="ltr">' in html
    for body in (text, html):
        assert tr("fr", "Commune of Berkane — e-services portal") in body
        assert "Certificat de résidence" in body and "شهادة السكنى" not in body
        assert format_date(date(2026, 12, 8), "long", locale="fr_MA") in body  # 8 décembre 2026


def test_html_email_loads_nothing_from_elsewhere_and_links_only_to_the_portal(app, db, mail):
    queue(db, locale="fr")
    send(app)

    _text, html = bodies(mail.messages[0])

    assert not re.search(r"<(style|link|img|script)\b|\bsrc=|url\(", html, flags=re.I)
    links = re.findall(r'href="([^"]+)"', html)
    assert links and all(link.startswith(f"{PUBLIC_URL}/") for link in links)


def test_status_change_gives_the_new_status_and_the_departments_message_safely(app, db, mail):
    note = "Votre certificat est prêt.\n<script>alert(1)</script>"
    queue(db, kind=outbox.STATUS_CHANGED, locale="fr", status="in_progress", message=note)

    send(app)

    [email] = mail.messages
    text, html = bodies(email)
    status = tr("fr", "In progress")
    assert email["Subject"] == tr("fr", "Your request %(number)s: %(status)s") % {"number": NUMBER, "status": status}
    assert status in text and status in html
    assert note in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html


def test_contact_confirmation_asks_to_follow_the_link_or_the_request_stays_unhandled(app, db, mail):
    queue(db, kind=outbox.CONFIRM_CONTACT, locale="ar", path="/track/confirm/tok3n")

    send(app)

    [email] = mail.messages
    text, html = bodies(email)
    assert email["Subject"] == tr("ar", "Confirm your email address for request %(number)s") % {"number": NUMBER}
    for body in (text, html):
        assert tr("ar", "Until you confirm it, your request will not be handled.") in body
        assert f"{PUBLIC_URL}/track/confirm/tok3n" in body


def test_send_with_the_mail_server_down_keeps_the_message_for_later(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", HOST)
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    message = queue(db)

    assert send(app).strip() == "0 sent, 1 to retry later, 0 failed."

    db.session.refresh(message)
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.last_error


def test_send_delivers_each_message_once_and_not_before_its_time(app, db, mail):
    queue(db, recipient="now@example.org")
    later = queue(db, recipient="later@example.org")
    later.next_attempt_at = later.created_at.replace(year=2100)
    db.session.commit()

    send(app)
    assert send(app).strip() == "0 sent, 0 to retry later, 0 failed."

    assert [email["To"] for email in mail.messages] == ["now@example.org"]


def test_one_refused_recipient_does_not_hold_back_the_others(app, db, mail):
    mail.reject_recipients["refused@example.org"] = "550 5.1.1 No such mailbox"
    for name in ("first", "refused", "third"):
        queue(db, recipient=f"{name}@example.org")

    assert send(app).strip() == "2 sent, 1 to retry later, 0 failed."

    assert sorted(email["To"] for email in mail.messages) == ["first@example.org", "third@example.org"]
    statuses = dict(db.session.execute(select(OutboxMessage.recipient, OutboxMessage.status)).all())
    assert statuses == {"first@example.org": "sent", "refused@example.org": "pending", "third@example.org": "sent"}


def test_send_limit_caps_the_messages_of_one_run(app, db, mail):
    for n in range(3):
        queue(db, recipient=f"c{n}@example.org")

    assert send(app, "--limit", "2").strip() == "2 sent, 0 to retry later, 0 failed."
    assert send(app).strip() == "1 sent, 0 to retry later, 0 failed."


def test_send_loop_keeps_going_until_interrupted(app, db, mail, monkeypatch):
    queue(db)

    def interrupt(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr("portal.cli.time.sleep", interrupt)
    output = send(app, "--loop", "--interval", "5")

    assert "1 sent" in output and output.strip().endswith("Stopped.")
    assert len(mail.messages) == 1


def test_send_refuses_an_unknown_security_setting(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SECURITY", "tls")
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code != 0 and "MAIL_SECURITY" in result.output


def test_status_prints_how_many_emails_are_in_each_state(app, db):
    queue(db, recipient="a@example.org")
    failed = queue(db, recipient="b@example.org")
    failed.status = "failed"
    db.session.commit()

    output = app.test_cli_runner().invoke(args=["notifications", "status"]).output

    counts = dict(line.split() for line in output.splitlines())
    assert counts == {"pending": "1", "sent": "0", "failed": "1"}


def _failed(db, recipient="lost@example.org", error="SMTPRecipientsRefused: 550 5.1.1 No such mailbox"):
    message = queue(db, recipient=recipient)
    message.status, message.attempts, message.last_error = "failed", outbox.MAX_ATTEMPTS, error
    db.session.commit()
    return message


def test_admin_sees_failed_emails_with_their_error_and_retries_one(client, login_as, db):
    login_as("admin")
    message = _failed(db)
    waiting = queue(db, recipient="waiting@example.org")

    page = client.get("/admin/outbox")

    assert page.status_code == 200
    text = page_text(page)
    assert "lost@example.org" in text and "waiting@example.org" in text
    assert "550 5.1.1 No such mailbox" in text
    assert f'action="/admin/outbox/{message.id}/retry"' in page.get_data(as_text=True)

    response = client.submit(f"/admin/outbox/{message.id}/retry", {}, form_url="/admin/outbox")

    assert response.status_code == 302 and response.headers["Location"] == "/admin/outbox"
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("pending", 0)
    db.session.refresh(waiting)
    assert waiting.status == "pending"


def test_admin_retries_every_failed_email_at_once(client, login_as, db):
    login_as("admin")
    messages = [_failed(db, recipient=f"lost{n}@example.org") for n in range(2)]

    response = client.submit("/admin/outbox/retry-failed", {}, form_url="/admin/outbox")

    assert response.status_code == 302
    for message in messages:
        db.session.refresh(message)
        assert message.status == "pending"


def test_retrying_a_sent_email_sends_nothing_again(client, login_as, db):
    login_as("admin")
    message = queue(db)
    message.status = "sent"
    db.session.commit()

    response = client.submit(f"/admin/outbox/{message.id}/retry", {}, form_url="/admin/outbox")

    assert response.status_code == 302
    db.session.refresh(message)
    assert message.status == "sent"
    assert (
        client.post(
            f"/admin/outbox/{message.id + 1000}/retry", data={"csrf_token": client.csrf_token("/admin/outbox")}
        ).status_code
        == 404
    )


def test_outbox_is_linked_from_the_admin_menu(client, login_as):
    login_as("admin")
    client.set_cookie("brk_lang", "fr")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/outbox"' in page


def test_retry_without_the_forms_token_is_refused(client, login_as, db):
    login_as("admin")
    message = _failed(db)

    assert client.post(f"/admin/outbox/{message.id}/retry").status_code == 400

    db.session.refresh(message)
    assert message.status == "failed"


@pytest.mark.parametrize("role", ["citizen", "agent", "supervisor", "mayor_office"])
def test_only_administrators_see_or_retry_emails(client, login_as, db, role):
    login_as(role)
    message = _failed(db)
    token = client.csrf_token("/account")

    assert client.get("/admin/outbox").status_code == 403
    assert client.post(f"/admin/outbox/{message.id}/retry", data={"csrf_token": token}).status_code == 403
    db.session.refresh(message)
    assert message.status == "failed"


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/admin/outbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
