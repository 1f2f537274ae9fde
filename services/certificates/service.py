"""Issuing a signed certificate when staff approve a request, finding, revoking and checking it.

Functions flush, the caller commits.
"""

import base64
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.accounts.models import Department, Role, User
from services.catalog.forms import FieldType, parse_fields
from services.catalog.models import ServiceKind, ServiceVersion
from services.certificates import signing, verify
from services.certificates.models import Certificate
from services.db import utcnow
from services.errors import Conflict, Invalid, InvalidTransition, NotAllowed, NotFound
from services.requests.models import ServiceRequest
from services.workflow import transitions
from services.workflow.transitions import Actor

# Crockford's base32: no I, L, O or U, so a code read aloud or retyped is hard to get wrong.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 random bits
_CODE_INPUT = re.compile(r"^[0-9A-Z]{10}$")
REASON_MAX = 1000

# Failure codes of verify_document, besides those of services.certificates.verify.
UNKNOWN_CODE = "unknown_code"
REVOKED = "revoked"


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(text: str | None) -> str | None:
    """The code as stored (XXXXX-XXXXX), from what a person typed, or None when it cannot be one."""
    raw = re.sub(r"[\s\-‐-―]", "", (text or "").upper())
    raw = raw.translate(str.maketrans("OIL", "011"))
    if not _CODE_INPUT.fullmatch(raw) or "U" in raw:
        return None
    return f"{raw[:5]}-{raw[5:]}"


def mask_name(name: str) -> str:
    """M***d B***i: the first and last letter of each word, enough to recognise, not to learn."""
    words = []
    for word in name.split():
        words.append(word[0] + "***" + (word[-1] if len(word) > 2 else ""))
    return " ".join(words)


@dataclass(frozen=True)
class CertificateContext:
    """What the portal needs to render the document's PDF."""

    code: str
    request: ServiceRequest
    service_version: ServiceVersion
    department: Department
    holder_name: str
    holder_cnie: str
    issued_at: datetime


def _answers(request: ServiceRequest) -> dict:
    """The request's typed answers (not its attached files): what the certificate attests."""
    kept = {f.name for f in parse_fields(request.service_version.fields) if f.type is not FieldType.FILE}
    return {name: value for name, value in sorted(request.answers.items()) if name in kept}


def _content(context: CertificateContext, *, key_id: str, pdf_sha256: str) -> dict:
    request, version, department = context.request, context.service_version, context.department
    return {
        "format": verify.FORMAT,
        "code": context.code,
        "kind": request.service.kind,
        "service": {
            "code": request.service.code,
            "version": version.version,
            "name_ar": version.name_ar,
            "name_fr": version.name_fr,
        },
        "holder": {"name": context.holder_name, "cnie": context.holder_cnie},
        "answers": _answers(request),
        "tracking_number": request.tracking_number,
        "department": {"code": department.code, "name_ar": department.name_ar, "name_fr": department.name_fr},
        "issued_at": context.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "key_id": key_id,
        "pdf_sha256": pdf_sha256,
    }


def _unused_code(session: Session) -> str:
    while True:
        code = new_code()
        if session.scalar(select(Certificate.id).where(Certificate.code == code)) is None:
            return code


def issue_certificate(
    session: Session,
    request: ServiceRequest,
    *,
    user: User,
    private_key: Ed25519PrivateKey,
    render: Callable[[CertificateContext], bytes],
    now: datetime | None = None,
) -> Certificate:
    """Approve a certificate request and issue its signed PDF, or raise and change nothing."""
    if ServiceKind(request.service.kind) is not ServiceKind.CERTIFICATE:
        raise InvalidTransition("not_a_certificate")
    actor = transitions.actor_for(request, user)
    if actor not in transitions.STAFF:
        raise NotAllowed("transition_not_yours")
    if "approve" not in transitions.allowed_actions(request, actor):
        raise InvalidTransition("transition_not_allowed", status=request.status)
    holder = request.citizen
    if holder is None or not holder.cnie:
        raise Invalid("certificate_needs_cnie")
    if session.scalar(select(Certificate.id).where(Certificate.request_id == request.id)) is not None:
        raise Conflict("certificate_already_issued")

    now = (now or utcnow()).replace(microsecond=0)
    context = CertificateContext(
        code=_unused_code(session),
        request=request,
        service_version=request.service_version,
        department=request.department,
        holder_name=holder.full_name,
        holder_cnie=holder.cnie,
        issued_at=now,
    )
    body = verify.body_of(render(context))
    pdf_sha256 = hashlib.sha256(body).hexdigest()
    key_id = signing.key_id(private_key.public_key())
    content = _content(context, key_id=key_id, pdf_sha256=pdf_sha256)
    payload, signature = signing.sign(private_key, content)

    transitions.apply(session, request, "approve", actor=actor, user=user, data={"certificate": context.code}, now=now)
    certificate = Certificate(
        request=request,
        code=context.code,
        service_version_id=context.service_version.id,
        holder_name=context.holder_name,
        holder_cnie=context.holder_cnie,
        issued_at=now,
        department_id=context.department.id,
        issued_by_id=user.id,
        content=content,
        pdf_sha256=pdf_sha256,
        signature=base64.b64encode(signature).decode(),
        key_id=key_id,
        pdf=body + verify.signature_line(payload, signature),
    )
    session.add(certificate)
    session.flush()
    return certificate


def get_by_code(session: Session, code: str) -> Certificate:
    """The certificate with this code (as typed: spaces, dashes and look-alike letters are forgiven)."""
    clean = normalise_code(code)
    found = session.scalar(select(Certificate).where(Certificate.code == clean)) if clean else None
    if found is None:
        raise NotFound("certificate_unknown")
    return found


def get_for_request(session: Session, request: ServiceRequest) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.request_id == request.id))


def revoke(session: Session, code: str, *, user: User, reason: str | None, now: datetime | None = None) -> Certificate:
    """Withdraw a certificate: an administrator, or a supervisor of the issuing department, with a reason."""
    certificate = get_by_code(session, code)
    role = user.role_enum if user.is_active else None
    if not (role is Role.ADMIN or (role is Role.SUPERVISOR and user.department_id == certificate.department_id)):
        raise NotAllowed("certificate_revoke_not_allowed")
    reason = transitions.clean_note(reason, required=True, field="reason")
    if len(reason) > REASON_MAX:
        raise Invalid("answer_too_long", field="reason", max=REASON_MAX)
    if certificate.is_revoked:
        raise InvalidTransition("certificate_already_revoked")
    now = now or utcnow()
    certificate.revoked_at = now
    certificate.revoked_by_id = user.id
    certificate.revoke_reason = reason
    # The request's history keeps who withdrew it and why (staff only: there is no citizen wording for it yet).
    transitions.record(
        session,
        certificate.request,
        "revoke_certificate",
        actor=Actor.SUPERVISOR if role is Role.SUPERVISOR else Actor.SYSTEM,
        user=user,
        note=reason,
        is_public=False,
        data={"certificate": certificate.code},
        at=now,
    )
    session.flush()
    return certificate


@dataclass(frozen=True)
class Verification:
    ok: bool
    failure: str | None = None  # not_signed, signature_invalid, document_changed, unknown_code, revoked
    certificate: Certificate | None = None


def verify_document(session: Session, pdf: bytes, public_key: Ed25519PublicKey) -> Verification:
    """Whether an uploaded PDF is a certificate the commune issued, unchanged and still valid."""
    checked = verify.check(pdf, public_key)
    if not checked.ok:
        return Verification(False, checked.failure)
    content = checked.content or {}
    certificate = session.scalar(select(Certificate).where(Certificate.code == content.get("code")))
    # A valid signature on a code we never recorded (or recorded for another document) is not ours to vouch for.
    if certificate is None or certificate.pdf_sha256 != content.get("pdf_sha256"):
        return Verification(False, UNKNOWN_CODE)
    if certificate.is_revoked:
        return Verification(False, REVOKED, certificate)
    return Verification(True, None, certificate)
