"""The SMTP transport sends one readable email per message, over plain SMTP, STARTTLS or TLS."""

import smtplib
import ssl

import pytest

from services.notifications.smtp import SmtpTransport, build_message
from tests.smtp import SmtpServer, self_signed_certificate

SENDER = "جماعة بركان <no-reply@berkane.example>"


def send(transport: SmtpTransport, **overrides) -> None:
    values = {
        "to": "citizen@example.org",
        "subject": "تم استلام طلبكم BRK-2026-000123-K",
        "text": "مرحبا،\nتم استلام طلبكم.",
        "html": '<p dir="rtl">مرحبا، تم استلام طلبكم.</p>',
        "reference": "outbox-7-20261124090000",
    } | overrides
    transport.send(**values)


def test_email_has_the_plain_text_and_the_html_version_in_one_multipart_alternative(smtp_server):
    send(SmtpTransport(host=smtp_server.host, port=smtp_server.port, sender=SENDER, timeout=5))

    [email] = smtp_server.messages
    assert email.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in email.iter_parts()] == ["text/plain", "text/html"]
    assert email.get_body(("plain",)).get_content().splitlines() == ["مرحبا،", "تم استلام طلبكم."]
    assert 'dir="rtl"' in email.get_body(("html",)).get_content()
    assert email["Subject"] == "تم استلام طلبكم BRK-2026-000123-K"
    assert email["From"].addresses[0].display_name == "جماعة بركان"
    assert email["From"].addresses[0].addr_spec == "no-reply@berkane.example"
    assert email["To"] == "citizen@example.org"
    assert email["Date"].datetime is not None
    assert email["Message-ID"] == "<outbox-7-20261124090000@berkane.example>"
    assert email["Auto-Submitted"] == "auto-generated"


@pytest.mark.parametrize(
    "subject",
    [
        "3 طلبات متأخرة و2 قريبة من الأجل في مصلحة الإنارة العمومية لجماعة بركان BRK-2026-000123-4",
        "Votre demande BRK-2026-000123-4 : rejetée — Signalement d'une panne d'éclairage public à Berkane",
        # Python's own folding loses the space between the two Arabic words of this one (cpython#144156).
        "1 overdue request in مصلحة الإنارة العمومية and 2 due soon for the department",
    ],
)
def test_a_long_subject_in_arabic_or_french_arrives_word_for_word(smtp_server, subject):
    send(SmtpTransport(host=smtp_server.host, port=smtp_server.port, sender=SENDER, timeout=5), subject=subject)

    [email] = smtp_server.messages
    assert email["Subject"] == subject


def test_every_attempt_at_one_message_carries_the_same_message_id_and_others_differ():
    first, again = (
        build_message(sender=SENDER, to="a@example.org", subject="s", text="t", html="h", reference="r1") for _ in "12"
    )
    assert first["Message-ID"] == again["Message-ID"]
    one, two = (build_message(sender=SENDER, to="a@example.org", subject="s", text="t", html="h") for _ in "12")
    assert one["Message-ID"] != two["Message-ID"]


def test_body_travels_in_seven_bit_encodings_that_every_server_accepts():
    message = build_message(sender=SENDER, to="a@example.org", subject="é", text="مرحبا " * 50, html="<p>é</p>")
    for part in message.iter_parts():
        assert part["Content-Transfer-Encoding"] in ("base64", "quoted-printable", "7bit")
    message.as_bytes().decode("ascii")  # nothing outside ASCII on the wire


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_signs_in_when_a_username_is_set():
    with SmtpServer(credentials=("portal", "s3cret")) as server:
        send(SmtpTransport(host=server.host, port=server.port, sender=SENDER, username="portal", password="s3cret"))
        assert len(server.messages) == 1
        assert server.envelopes[0][2] is True  # the session was authenticated

        with pytest.raises(smtplib.SMTPAuthenticationError):
            send(SmtpTransport(host=server.host, port=server.port, sender=SENDER, username="portal", password="wrong"))
        with pytest.raises(smtplib.SMTPException):  # no login: the server refuses the message
            send(SmtpTransport(host=server.host, port=server.port, sender=SENDER))
        assert len(server.messages) == 1


@pytest.fixture
def certificate(tmp_path):
    pytest.importorskip("cryptography")
    cert, key = self_signed_certificate(tmp_path)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.create_default_context(cafile=str(cert))
    return server_context, client_context


def test_starttls_encrypts_the_connection_before_signing_in(certificate):
    server_context, client_context = certificate
    with SmtpServer(tls=server_context, credentials=("portal", "s3cret")) as server:
        transport = SmtpTransport(
            host=server.host,
            port=server.port,
            sender=SENDER,
            security="starttls",
            username="portal",
            password="s3cret",
            ssl_context=client_context,
        )
        send(transport)
        assert len(server.messages) == 1

        with pytest.raises(smtplib.SMTPException):  # the server insists on STARTTLS
            send(SmtpTransport(host=server.host, port=server.port, sender=SENDER))


def test_starttls_refuses_a_certificate_it_cannot_trust(certificate):
    server_context, _client_context = certificate
    with SmtpServer(tls=server_context) as server:
        transport = SmtpTransport(host=server.host, port=server.port, sender=SENDER, security="starttls", timeout=5)
        with pytest.raises(ssl.SSLError):
            send(transport)
        assert server.messages == []


def test_implicit_tls_speaks_tls_from_the_first_byte(certificate):
    server_context, client_context = certificate
    with SmtpServer(tls=server_context, implicit_tls=True) as server:
        send(
            SmtpTransport(
                host=server.host, port=server.port, sender=SENDER, security="ssl", ssl_context=client_context, timeout=5
            )
        )
        assert len(server.messages) == 1


def test_an_unknown_security_mode_is_refused_at_start_up():
    with pytest.raises(ValueError, match="MAIL_SECURITY"):
        SmtpTransport(host="127.0.0.1", port=25, sender=SENDER, security="tls")
