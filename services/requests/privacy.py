"""Law 09-08: a citizen's copy of everything the commune holds on them, and the erasure of their account.

Erasing an account keeps its requests for statistics (service, district, dates,
status, rating) but removes what identifies the person: their account details,
their answers, addresses, comments and attachments. The history lines of a
request stay as written: they are the administration's record of what it did,
which it must keep, and the database refuses to change them.
"""

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.accounts.models import Role, User, new_session_token
from services.accounts.passwords import hash_password, verify_password
from services.db import as_utc, utcnow
from services.errors import Invalid, NotAllowed
from services.requests.models import ServiceRequest

EXPORT_FORMAT = "berkane-portal-export/1"


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


def _requests_of(session: Session, user: User) -> list[ServiceRequest]:
    return list(
        session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.citizen_id == user.id)
            .options(selectinload(ServiceRequest.events), selectinload(ServiceRequest.attachments))
            .order_by(ServiceRequest.filed_at)
        )
    )


def export_data(session: Session, user: User) -> dict:
    """Everything about `user`, as plain JSON-ready data."""
    return {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "account": {
            "full_name": user.full_name,
            "email": user.email,
            "phone": user.phone,
            "cnie": user.cnie,
            "language": user.locale,
            "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at),
        },
        "requests": [
            {
                "tracking_number": r.tracking_number,
                "service": {"code": r.service.code, "ar": r.service_version.name_ar, "fr": r.service_version.name_fr},
                "status": r.status,
                "filed_at": _iso(r.filed_at),
                "deadline_at": _iso(r.deadline_at),
                "answers": r.answers,
                "district": r.district.code if r.district else None,
                "address": r.address,
                "attachments": [
                    {"name": a.original_name, "type": a.media_type, "bytes": a.size_bytes, "sha256": a.sha256}
                    for a in r.attachments
                    if not a.uploaded_by_staff
                ],
                "history": [
                    {"at": _iso(e.at), "action": e.action, "status": e.to_status, "message": e.note}
                    for e in r.events
                    if e.is_public
                ],
                "rating": r.rating,
                "rating_comment": r.rating_comment,
            }
            for r in _requests_of(session, user)
        ],
    }


def delete_account(session: Session, user: User, *, password: str) -> list[str]:
    """Erase a citizen's personal data; their requests stay, anonymised.

    Returns the storage keys of the files to remove once the transaction is committed
    (removing them before could lose files of an erasure that then fails).
    """
    if user.role_enum is not Role.CITIZEN:
        raise NotAllowed("staff_account_not_deletable")
    if not verify_password(user.password_hash, password or ""):
        raise Invalid("current_password_wrong", field="password")
    files = []
    for request in _requests_of(session, user):
        request.answers = {}
        request.address = None
        request.search_text = ""
        request.rating_comment = None
        for attachment in list(request.attachments):
            if not attachment.uploaded_by_staff:
                files.append(attachment.storage_key)
                session.delete(attachment)
    user.full_name = "—"
    user.email = f"erased-{user.id}-{secrets.token_hex(4)}@erased.invalid"
    user.phone = None
    user.cnie = None
    user.locale = None
    user.password_hash = hash_password(secrets.token_urlsafe(32))  # nobody knows it
    user.is_active = False
    user.session_token = new_session_token()  # every open session ends
    session.flush()
    return files
