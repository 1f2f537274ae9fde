"""Filing, confirming, finding and following requests. Functions flush, the caller commits."""

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.accounts.models import Role, User
from services.accounts.validation import normalise_email, normalise_phone
from services.catalog.forms import parse_fields
from services.catalog.models import ServiceKind
from services.catalog.service import get_service
from services.catalog.text import normalise
from services.clock import local
from services.db import as_utc, utcnow
from services.errors import Conflict, Invalid, NotAllowed, NotFound, collect
from services.notifications import outbox
from services.requests import assets, holidays, tracking
from services.requests.answers import check_answers
from services.requests.models import Attachment, RequestEvent, ServiceRequest
from services.requests.uploads import CheckedFile, FileStore, Upload, check_file
from services.workflow import transitions
from services.workflow.states import DECIDED_STATES, Status
from services.workflow.transitions import Actor

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Without an account one may file these kinds, with an email address confirmed by a link.
ANONYMOUS_KINDS = frozenset({ServiceKind.COMPLAINT, ServiceKind.REPORT})
CONFIRM_DAYS = 7
COMMENT_MAX = 2000
DOCUMENT_FILES = ("jpeg", "png", "pdf")
DOCUMENT_MAX_FILES = 3
DOCUMENT_MAX_MB = 10


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Filed:
    request: ServiceRequest
    created: bool  # False when the same form had already been submitted


def store_files(
    session: Session,
    request: ServiceRequest,
    store: FileStore,
    files: Iterable[tuple[str | None, CheckedFile]],
    *,
    event: RequestEvent | None = None,
    staff: bool = False,
) -> None:
    for field_name, checked in files:
        session.add(
            Attachment(
                request=request,
                field_name=field_name,
                event_id=event.id if event is not None else None,
                storage_key=store.save(checked.data),
                media_type=checked.media_type,
                size_bytes=len(checked.data),
                sha256=checked.sha256,
                original_name=checked.original_name,
                uploaded_by_staff=staff,
            )
        )


def _contact(
    user: User | None, kind: ServiceKind, email: str | None, phone: str | None
) -> tuple[str | None, str | None]:
    if user is not None:
        if user.role_enum is not Role.CITIZEN:
            raise NotAllowed("staff_cannot_file")
        if kind is ServiceKind.CERTIFICATE and not user.cnie:
            raise NotAllowed("certificate_needs_cnie")
        return None, None
    if kind not in ANONYMOUS_KINDS:
        raise NotAllowed("sign_in_to_file")
    clean = collect(
        contact_email=lambda: _field_error(normalise_email, email, "contact_email"),
        contact_phone=lambda: _field_error(normalise_phone, phone, "contact_phone") if (phone or "").strip() else None,
    )
    return clean["contact_email"], clean["contact_phone"]


def _field_error(check, value, field):
    try:
        return check(value)
    except Invalid as exc:
        raise Invalid(exc.code, field=field, **exc.params) from None


def file_request(
    session: Session,
    *,
    service_code: str,
    user: User | None,
    locale: str,
    values: dict[str, str],
    files: dict[str, list[Upload]],
    idempotency_key: str,
    store: FileStore,
    contact_email: str | None = None,
    contact_phone: str | None = None,
    extra_holidays: Iterable[date] | None = None,
    now: datetime | None = None,
) -> Filed:
    """Check and save a request with its files, history and email, or raise and save nothing."""
    if not _KEY.fullmatch(idempotency_key or ""):
        raise Invalid("form_expired")
    earlier = session.scalar(select(ServiceRequest).where(ServiceRequest.idempotency_key == idempotency_key))
    if earlier is not None:
        if earlier.citizen_id != (user.id if user is not None else None):
            raise Conflict("form_already_used")
        return Filed(earlier, created=False)

    service = get_service(session, service_code)
    version = service.current
    kind = ServiceKind(service.kind)
    locale = locale if locale in ("ar", "fr") else "ar"
    email, phone = _contact(user, kind, contact_email, contact_phone)
    clean = check_answers(session, parse_fields(version.fields), values, files, asset_layer=version.asset_layer)

    now = now or utcnow()
    year = local(now).year
    sequence = tracking.next_sequence(session, year)
    number = tracking.format_number(year, sequence)
    confirm_token = None if user is not None else secrets.token_urlsafe(32)
    request = ServiceRequest(
        tracking_number=number,
        year=year,
        sequence=sequence,
        idempotency_key=idempotency_key,
        secret_salt=tracking.new_salt(),
        service=service,
        service_version=version,
        department_id=service.department_id,
        citizen=user,
        contact_email=email,
        contact_phone=phone,
        confirm_token_hash=_hash(confirm_token) if confirm_token else None,
        locale=locale,
        status=(Status.NEW if user is not None else Status.PENDING_CONFIRMATION).value,
        answers=clean.answers,
        asset_layer=version.asset_layer,
        filed_at=now,
    )
    holidays.schedule(request, now, _extra(session, extra_holidays))
    if clean.location is not None:
        request.district_id = clean.location.district_id
        request.address = clean.location.address
        request.asset_ref = clean.location.asset_ref
        if clean.location.lon is not None:
            request.location = from_shape(Point(clean.location.lon, clean.location.lat), srid=4326)
    request.search_text = search_text(request)
    session.add(request)
    session.flush()
    store_files(session, request, store, ((name, f) for name, items in clean.files.items() for f in items))
    transitions.record(
        session,
        request,
        "filed",
        actor=Actor.CITIZEN,
        user=user,
        to_status=request.status,
        at=now,
        data={"department_id": request.department_id},
    )
    session.flush()
    assets.status_changed(session, request, None, request.status, at=now, actor_id=user.id if user else None)
    if user is not None:
        transitions.notify(
            session, request, "request_received", filed_at=now.isoformat(), deadline=request.deadline_date.isoformat()
        )
    else:
        outbox.enqueue(
            session,
            kind="confirm_contact",
            recipient=email,
            locale=locale,
            context={
                "tracking_number": number,
                "service_name_ar": version.name_ar,
                "service_name_fr": version.name_fr,
                "path": f"/track/confirm/{confirm_token}",
            },
        )
    return Filed(request, created=True)


def confirm_contact(
    session: Session, token: str, *, extra_holidays: Iterable[date] | None = None, now: datetime | None = None
) -> ServiceRequest:
    """Follow the link sent to an email address: the request joins its department's queue."""
    now = now or utcnow()
    request = (
        session.scalar(select(ServiceRequest).where(ServiceRequest.confirm_token_hash == _hash(token or "")))
        if token
        else None
    )
    if request is None or request.status != Status.PENDING_CONFIRMATION:
        raise NotFound("confirmation_link_invalid")
    if now - as_utc(request.filed_at) > timedelta(days=CONFIRM_DAYS):
        raise Invalid("confirmation_link_expired")
    request.contact_confirmed_at = now
    request.confirm_token_hash = None
    # The legal delay runs from the day the commune can act on the request.
    holidays.schedule(request, now, _extra(session, extra_holidays))
    transitions.apply(session, request, "confirm", actor=Actor.SYSTEM, now=now)
    transitions.notify(
        session,
        request,
        "request_received",
        filed_at=_iso(request.filed_at),
        deadline=request.deadline_date.isoformat(),
    )
    return request


def _extra(session: Session, given: Iterable[date] | None) -> frozenset[date]:
    return frozenset(given) if given is not None else holidays.decreed_days(session)


def search_text(request: ServiceRequest) -> str:
    """What the staff queue's search matches: the written answers, the address and the filer's name, normalised.

    The name is folded here because the database cannot fold accents and Arabic letters the way
    `normalise` does; erasing the account empties this text (services.requests.privacy).
    """
    parts = [request.address or "", request.citizen.full_name if request.citizen is not None else ""]
    parts += [v for v in (request.answers or {}).values() if isinstance(v, str)]
    return normalise(" ".join(parts))


def _iso(moment: datetime) -> str:
    return as_utc(moment).isoformat()


def find(session: Session, number: str) -> ServiceRequest | None:
    """A request by its tracking number as typed (loosely), with its history and files; None if unknown."""
    canonical = tracking.parse_number(number)
    if canonical is None:
        return None
    return session.scalar(
        select(ServiceRequest)
        .where(ServiceRequest.tracking_number == canonical)
        .options(selectinload(ServiceRequest.events), selectinload(ServiceRequest.attachments))
    )


def get_for_user(session: Session, number: str, user: User) -> ServiceRequest:
    """A request its citizen (or a member of its department) may see; NotFound hides the others' existence."""
    request = find(session, number)
    if request is None:
        raise NotFound("request_not_found")
    try:
        transitions.actor_for(request, user)
    except NotAllowed:
        raise NotFound("request_not_found") from None
    return request


def lookup(session: Session, number: str, secret: str, *, key: bytes) -> ServiceRequest:
    """A request by its number and the secret printed on its receipt; both must match."""
    request = find(session, number)
    if request is None or not tracking.secret_matches(key, request.tracking_number, request.secret_salt, secret):
        raise NotFound("tracking_lookup_failed")
    return request


def receipt_secret(request: ServiceRequest, *, key: bytes) -> str:
    return tracking.format_secret(tracking.access_secret(key, request.tracking_number, request.secret_salt))


def list_for_citizen(session: Session, user: User) -> list[ServiceRequest]:
    return list(
        session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.citizen_id == user.id)
            .options(selectinload(ServiceRequest.service_version))
            .order_by(ServiceRequest.filed_at.desc(), ServiceRequest.id.desc())
        )
    )


def public_history(request: ServiceRequest) -> list[RequestEvent]:
    return [e for e in request.events if e.is_public]


def provide_document(
    session: Session,
    request: ServiceRequest,
    *,
    user: User | None,
    proven_filer: bool,
    note: str,
    files: list[Upload],
    store: FileStore,
) -> RequestEvent:
    """The citizen's answer to the one request for a missing document."""
    actor = transitions.actor_for(request, user, proven_filer=proven_filer)
    uploads = [u for u in files if u.filename or u.data]
    clean = collect(
        files=lambda: document_files(uploads),
        note=lambda: transitions.clean_note(note, required=not uploads),
    )
    entry = transitions.apply(session, request, "provide_document", actor=actor, user=user, note=clean["note"] or "-")
    store_files(session, request, store, ((None, f) for f in clean["files"]), event=entry)
    session.flush()
    return entry


def document_files(uploads: list[Upload]) -> list[CheckedFile]:
    if len(uploads) > DOCUMENT_MAX_FILES:
        raise Invalid("too_many_files", field="files", max=DOCUMENT_MAX_FILES)
    return [
        check_file(u, allowed=DOCUMENT_FILES, max_bytes=DOCUMENT_MAX_MB * 1024 * 1024, field="files") for u in uploads
    ]


def rate(
    session: Session,
    request: ServiceRequest,
    *,
    user: User | None,
    proven_filer: bool,
    rating: str | int,
    comment: str | None,
    now: datetime | None = None,
) -> None:
    """The citizen's 1-5 rating of the outcome, once."""
    actor = transitions.actor_for(request, user, proven_filer=proven_filer)
    if actor is not Actor.CITIZEN:
        raise NotAllowed("only_the_citizen_rates")
    if request.status_enum not in DECIDED_STATES | {Status.CLOSED}:
        raise Invalid("rating_not_yet")
    if request.rating is not None:
        raise Conflict("already_rated")
    clean = collect(rating=lambda: _rating(rating), comment=lambda: _comment(comment))
    request.rating, request.rating_comment = clean["rating"], clean["comment"]
    request.rated_at = now or utcnow()
    transitions.record(
        session,
        request,
        "rated",
        actor=actor,
        user=user,
        is_public=True,
        data={"rating": clean["rating"]},
        at=request.rated_at,
    )
    session.flush()


def _rating(value) -> int:
    try:
        rating = int(str(value).strip())
    except ValueError:
        raise Invalid("rating_invalid", field="rating") from None
    if not 1 <= rating <= 5:
        raise Invalid("rating_invalid", field="rating")
    return rating


def _comment(value: str | None) -> str | None:
    if len((value or "").strip()) > COMMENT_MAX:
        raise Invalid("answer_too_long", field="comment", max=COMMENT_MAX)
    return transitions.clean_note(value, required=False, field="comment")


def reopen(
    session: Session,
    request: ServiceRequest,
    *,
    user: User | None,
    proven_filer: bool,
    reason: str,
    now: datetime | None = None,
) -> RequestEvent:
    """Within seven days of its resolution, with a reason: the request goes back to the department."""
    actor = transitions.actor_for(request, user, proven_filer=proven_filer)
    return transitions.apply(session, request, "reopen", actor=actor, user=user, note=reason, now=now)
