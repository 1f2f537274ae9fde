"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for tests that send email."""

import socket
import ssl
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

HOST = "127.0.0.1"


def free_port() -> int:
    """A port nothing listens on (right now): the OS picks it, and we let it go."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, server: "SmtpServer"):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.server.reject_recipients.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.server.data_reply:
            return self.server.data_reply
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        self.server.messages.append(message)
        self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), session.authenticated))
        return "250 Message accepted for delivery"


class SmtpServer:
    """Runs while used as a context manager.

    `messages` holds every accepted email, parsed; set `data_reply` (e.g. "451 4.3.0 Try later")
    to refuse every message, or `reject_recipients[address] = "550 …"` to refuse one recipient.
    With `credentials` the server requires a login; with `tls` (a server SSLContext) it offers
    STARTTLS, or speaks TLS from the first byte when `implicit_tls` is set.
    """

    def __init__(
        self,
        *,
        credentials: tuple[str, str] | None = None,
        tls: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
    ):
        self.host = HOST
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str], bool]] = []
        self.data_reply: str | None = None
        self.reject_recipients: dict[str, str] = {}
        kwargs = {}
        if credentials:
            kwargs |= {
                "authenticator": self._authenticator(credentials),
                "auth_required": True,
                "auth_require_tls": tls is not None,
            }
        if tls is not None and implicit_tls:
            kwargs["ssl_context"] = tls
        elif tls is not None:
            kwargs |= {"tls_context": tls, "require_starttls": True}
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **kwargs)

    @staticmethod
    def _authenticator(credentials):
        def authenticate(server, session, envelope, mechanism, auth_data):
            login = getattr(auth_data, "login", b"")
            password = getattr(auth_data, "password", b"")
            ok = (login.decode(), password.decode()) == credentials
            return AuthResult(success=ok, handled=False)

        return authenticate

    def __enter__(self) -> "SmtpServer":
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made now (needs `cryptography`)."""
    from ipaddress import IPv4Address

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address(HOST))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path
