"""Sending one email through an SMTP server: plain, STARTTLS or implicit TLS, with optional login."""

import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from services.db import utcnow

SECURITY_MODES = ("none", "starttls", "ssl")
# 7-bit transfer encodings (quoted-printable or base64, whichever is shorter) reach every
# server, including the ones that do not announce 8BITMIME.
_POLICY = policy.SMTP.clone(cte_type="7bit")
# On the wire headers stay unfolded: CPython folds a long subject that mixes ASCII and encoded words wrongly
# (python/cpython#144156, the space between two words is lost). A subject stays far below the 998-octet limit,
# and the bodies were already encoded in short lines when they were set.
_WIRE = _POLICY.clone(max_line_length=None)


def build_message(
    *, sender: str, to: str, subject: str, text: str, html: str, reference: str | None = None
) -> EmailMessage:
    """A multipart/alternative email: the plain text first, the HTML version preferred by readers that can."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = f"<{reference}@{domain}>" if reference else make_msgid(domain=domain)
    # RFC 3834: tells out-of-office responders not to answer an automatic message.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


@dataclass(frozen=True)
class SmtpTransport:
    """Delivers each email over its own connection; settings come from the caller, not the environment."""

    host: str
    port: int
    sender: str
    security: str = "none"
    username: str | None = None
    password: str | None = None
    timeout: float = 20.0
    ssl_context: ssl.SSLContext | None = None

    def __post_init__(self):
        if self.security not in SECURITY_MODES:
            raise ValueError(f"MAIL_SECURITY must be one of {', '.join(SECURITY_MODES)}, not {self.security!r}")

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._context())
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def send(self, *, to: str, subject: str, text: str, html: str, reference: str | None = None) -> None:
        message = build_message(sender=self.sender, to=to, subject=subject, text=text, html=html, reference=reference)
        smtp = self._connect()
        try:
            if self.security == "starttls":
                smtp.starttls(context=self._context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.sendmail(parseaddr(self.sender)[1], [parseaddr(to)[1]], message.as_bytes(policy=_WIRE))
        finally:
            # Once the server has accepted the message, a failed goodbye must not count as a failure
            # (the message would be sent again).
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
