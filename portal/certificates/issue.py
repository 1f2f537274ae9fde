"""Approving a certificate request issues its signed, bilingual PDF (the back office calls this)."""

from collections.abc import Callable
from pathlib import Path

import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app, render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from markupsafe import Markup

from portal.citizen.requests import answer_rows
from portal.extensions import db
from portal.i18n import FORMAT_LOCALES
from portal.pdf import render_pdf
from services.accounts.models import User
from services.certificates import service as certificates
from services.certificates import signing
from services.certificates.models import Certificate
from services.certificates.service import CertificateContext
from services.clock import local
from services.requests.models import ServiceRequest


class SigningKeyMissing(RuntimeError):
    """The configured signing key file does not exist: run `flask certificates keygen`."""


def private_key() -> Ed25519PrivateKey:
    path = Path(current_app.config["SIGNING_KEY_FILE"])
    try:
        return signing.load_private_key(path)
    except FileNotFoundError:
        raise SigningKeyMissing(f"no signing key at {path}: run `flask certificates keygen`") from None


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def verify_url(code: str) -> str:
    return f"{current_app.config['PUBLIC_URL']}/verify/{code}"


def _block(language: str, context: CertificateContext) -> Markup:
    """One language's half of the document, rendered in that language whatever the reader's."""
    with force_locale(FORMAT_LOCALES[language]):
        rows = [(label, text) for label, text, files in answer_rows(context.request, language) if not files]
        html = render_template(
            "pdf/_certificate_block.html",
            language=language,
            c=context,
            rows=rows,
            issued_on=format_date(local(context.issued_at).date(), "long"),
            verify_base=f"{current_app.config['PUBLIC_URL']}/verify",
        )
    return Markup(html)  # noqa: S704 (rendered by Jinja with autoescaping on)


def _in(language: str, text: Callable[[], str]) -> str:
    with force_locale(FORMAT_LOCALES[language]):
        return text()


def render_certificate(context: CertificateContext) -> bytes:
    url = verify_url(context.code)
    qr = segno.make(url, error="m")
    return render_pdf(
        "pdf/certificate.html",
        c=context,
        blocks={"ar": _block("ar", context), "fr": _block("fr", context)},
        qr_svg=qr.svg_data_uri(scale=4, border=2),
        code_labels={language: _in(language, lambda: _("Verification code")) for language in ("ar", "fr")},
        url=url,
    )


def approve_and_issue(request: ServiceRequest, user: User) -> Certificate:
    """Approve `request` as `user` and issue its certificate; the caller commits."""
    locale = request.citizen.locale if request.citizen is not None and request.citizen.locale else request.locale
    with force_locale(FORMAT_LOCALES.get(locale, FORMAT_LOCALES["ar"])):
        return certificates.issue_certificate(
            db.session, request, user=user, private_key=private_key(), render=render_certificate
        )
