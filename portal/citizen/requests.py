"""Filing a request, its receipt, and following it: for signed-in citizens and for people without an account."""

import logging
from datetime import date
from urllib.parse import quote

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gis import assets
from gis.districts.queries import list_districts
from portal.auth.access import roles_required
from portal.citizen.filing import build_form
from portal.citizen.forms import ConfirmForm, DocumentForm, LookupForm, RatingForm, ReopenForm
from portal.citizen.routes import bp
from portal.errors import apply_to_form
from portal.extensions import db, limiter, login_manager
from portal.i18n import current_language, error_message, localized
from portal.pdf import render_pdf
from services.accounts.models import Role
from services.catalog import service as catalog
from services.catalog.forms import FieldType, parse_fields
from services.catalog.models import ServiceKind
from services.certificates import service as certificates
from services.errors import NotAllowed, NotFound, ServiceError
from services.requests import service as requests
from services.requests.answers import part
from services.requests.models import Attachment, RequestEvent, ServiceRequest
from services.requests.uploads import FileStore, Upload
from services.workflow import transitions
from services.workflow.states import DECIDED_STATES, Status

RATEABLE = DECIDED_STATES | {Status.CLOSED}

log = logging.getLogger("portal.requests")
UNLOCKED = "unlocked_requests"
UNLOCKED_MAX = 20


def _store() -> FileStore:
    return FileStore(current_app.config["UPLOAD_DIR"])


def _secret_key() -> bytes:
    return current_app.config["SECRET_KEY"].encode()


def _user():
    return current_user if current_user.is_authenticated else None


def _unlock(number: str) -> None:
    """This browser proved it filed the request (it holds the form or the receipt's secret)."""
    numbers = [n for n in session.get(UNLOCKED, []) if n != number]
    session[UNLOCKED] = [*numbers, number][-UNLOCKED_MAX:]


def _uploads(names: list[str]) -> dict[str, list[Upload]]:
    return {
        name: [Upload(fs.filename or "", fs.read()) for fs in request.files.getlist(name) if fs.filename]
        for name in names
    }


@bp.route("/services/<code>/file", methods=["GET", "POST"])
def file_request(code: str):
    service = catalog.get_service(db.session, code)
    version = service.current
    user = _user()
    if user is None and ServiceKind(service.kind) not in requests.ANONYMOUS_KINDS:
        return login_manager.unauthorized()
    if user is not None and not user.has_role(Role.CITIZEN):
        abort(403)
    if user is not None and service.kind == ServiceKind.CERTIFICATE and not user.cnie:
        flash(error_message("certificate_needs_cnie"), "error")
        return redirect(url_for("auth.account"))

    lang = current_language()
    fields = parse_fields(version.fields)
    districts = list_districts(db.session) if any(f.type is FieldType.LOCATION for f in fields) else []
    form, layout = build_form(version, lang, districts, anonymous=user is None)
    status = 200
    asset = None
    if not form.is_submitted():
        form.idempotency_key.data = requests.new_idempotency_key()
        asset = _prefill_asset(form, fields, version.asset_layer, request.args.get("asset", ""))
    elif form.validate():
        file_names = [f.name for f in fields if f.type is FieldType.FILE]
        try:
            filed = requests.file_request(
                db.session,
                service_code=service.code,
                user=user,
                locale=lang,
                values=request.form.to_dict(flat=True),
                files=_uploads(file_names),
                idempotency_key=form.idempotency_key.data or "",
                store=_store(),
                contact_email=request.form.get("contact_email"),
                contact_phone=request.form.get("contact_phone"),
            )
            db.session.commit()
        except IntegrityError:
            # The same form sent twice at once: the other submission won, show its receipt.
            db.session.rollback()
            earlier = db.session.scalar(
                select(ServiceRequest).where(ServiceRequest.idempotency_key == form.idempotency_key.data)
            )
            if earlier is None:
                raise
            _unlock(earlier.tracking_number)
            return redirect(url_for(".track", number=earlier.tracking_number), 303)
        except ServiceError as exc:
            db.session.rollback()
            apply_to_form(form, exc)
            if any(request.files.getlist(name) and request.files.getlist(name)[0].filename for name in file_names):
                form.form_errors.append(
                    _("For your safety, files are not kept when the form has errors: choose them again.")
                )
            status = 400
        else:
            _unlock(filed.request.tracking_number)
            if filed.created:
                log.info("request_filed", extra={"request_id": filed.request.id, "service": service.code})
            return redirect(url_for(".track", number=filed.request.tracking_number, received=1), 303)
    else:
        status = 400
    return render_template(
        "citizen/file.html",
        service=service,
        version=version,
        form=form,
        layout=layout,
        anonymous=user is None,
        asset=asset,
    ), status


def _prefill_asset(form, fields, layer: str | None, code: str):
    """Opened from a light's or a container's popup on the city map: the form starts on that asset."""
    location = next((f for f in fields if f.type is FieldType.LOCATION), None)
    if location is None or not layer or not code or part(location.name, "asset") not in form:
        return None
    found = assets.find(db.session, layer, code)
    if found is None:
        return None
    form[part(location.name, "asset")].data = found.code
    form[part(location.name, "lat")].data = f"{found.lat:.6f}"
    form[part(location.name, "lon")].data = f"{found.lon:.6f}"
    if found.district_id is not None:
        form[part(location.name, "district")].data = str(found.district_id)
    return found


def viewable(number: str) -> tuple[ServiceRequest | None, bool]:
    """The request if this visitor may see it, and whether they proved filing it without an account."""
    user = _user()
    if user is not None:
        try:
            return requests.get_for_user(db.session, number, user), False
        except NotFound:
            pass
    if number in session.get(UNLOCKED, []):
        # This browser holds the receipt's secret (or filed the request): it may read it; acting on a request
        # filed from an account still needs that account (transitions.actor_for decides).
        found = requests.find(db.session, number)
        if found is not None:
            return found, True
    return None, False


def _lookup_failed(_response) -> bool:
    return bool(g.get("lookup_failed"))


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOOKUP_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_lookup_failed)
def lookup():
    form = LookupForm()
    if not form.is_submitted() and request.args.get("number"):
        form.number.data = request.args["number"]
    if form.validate_on_submit():
        try:
            found = requests.lookup(db.session, form.number.data, form.secret.data, key=_secret_key())
        except NotFound as exc:
            g.lookup_failed = True
            apply_to_form(form, exc)
            return render_template("citizen/lookup.html", form=form), 404
        _unlock(found.tracking_number)
        return redirect(url_for(".track", number=found.tracking_number), 303)
    return render_template("citizen/lookup.html", form=form), 400 if form.is_submitted() else 200


def answer_rows(req: ServiceRequest, lang: str) -> list[tuple[str, str, list]]:
    """(label, text, attachments) for each answered field, in the form's order."""
    rows = []
    by_field: dict[str, list[Attachment]] = {}
    for attachment in req.attachments:
        if attachment.field_name:
            by_field.setdefault(attachment.field_name, []).append(attachment)
    for f in parse_fields(req.service_version.fields):
        label = getattr(f, f"label_{lang}")
        value = req.answers.get(f.name)
        if f.type is FieldType.FILE:
            if by_field.get(f.name):
                rows.append((label, "", by_field[f.name]))
            continue
        if value is None:
            continue
        if f.type is FieldType.CHOICE:
            text = next((getattr(c, lang) for c in f.choices if c.value == value), value)
        elif f.type is FieldType.YES_NO:
            text = _("Yes") if value else _("No")
        elif f.type is FieldType.DATE:
            text = format_date(date.fromisoformat(value), "long")
        elif f.type is FieldType.LOCATION:
            district = req.district
            text = f"{req.address} — {localized(district)}" if district else req.address or ""
            if req.asset_ref and req.asset_ref != req.address:
                text = _("%(place)s (equipment %(code)s)", place=text, code=req.asset_ref)
        else:
            text = str(value)
        rows.append((label, text, []))
    return rows


def _page(req: ServiceRequest, proven: bool, *, forms=None, status=200):
    user = _user()
    try:
        actor = transitions.actor_for(req, user, proven_filer=proven)
    except NotAllowed:
        actor = None  # read-only: someone with the secret of a request filed from an account
    actions = set(transitions.allowed_actions(req, actor)) if actor is not None else set()
    forms = forms or {}
    document_form = forms.get("document") or (DocumentForm() if "provide_document" in actions else None)
    can_rate = actor is transitions.Actor.CITIZEN and req.rating is None and req.status_enum in RATEABLE
    rating_form = forms.get("rating") or (RatingForm() if can_rate else None)
    reopen_form = forms.get("reopen") or (ReopenForm() if "reopen" in actions else None)
    missing = next((e for e in reversed(req.events) if e.action == "request_document"), None)
    # A report joined to another as a duplicate follows that one's public history (never its answers or files).
    master = db.session.get(ServiceRequest, req.merged_into_id) if req.merged_into_id else None
    files_by_event: dict[int, list[Attachment]] = {}
    for attachment in req.attachments:
        if attachment.event_id is not None:
            files_by_event.setdefault(attachment.event_id, []).append(attachment)
    return render_template(
        "citizen/track.html",
        req=req,
        rows=answer_rows(req, current_language()),
        history=requests.public_history(req),
        files_by_event=files_by_event,
        master=master,
        master_history=requests.public_history(master) if master is not None else [],
        secret=requests.receipt_secret(req, key=_secret_key()),
        received=request.args.get("received") == "1",
        document_form=document_form,
        rating_form=rating_form,
        reopen_form=reopen_form,
        missing=missing,
        is_owner_view=actor is transitions.Actor.CITIZEN,
        certificate=certificates.get_for_request(db.session, req),
    ), status


@bp.route("/track/<number>")
def track(number: str):
    req, proven = viewable(number)
    if req is None:
        # Never say whether a number exists: ask for the receipt's secret.
        form = LookupForm(formdata=None)
        form.number.data = number
        return render_template("citizen/lookup.html", form=form, asked=True), 200
    return _page(req, proven)


def _act(number: str, form_name: str, form, perform, done: str):
    """Run a citizen's action on a request; on success say `done` and show the request again."""
    req, proven = viewable(number)
    if req is None:
        abort(404)
    if not form.validate_on_submit():
        return _page(req, proven, forms={form_name: form}, status=400)
    try:
        perform(req, proven)
        db.session.commit()
    except NotAllowed:
        db.session.rollback()
        abort(403)
    except ServiceError as exc:
        db.session.rollback()
        apply_to_form(form, exc)
        req, proven = viewable(number)
        return _page(req, proven, forms={form_name: form}, status=400)
    flash(done, "success")
    return redirect(url_for(".track", number=number), 303)


@bp.route("/track/<number>/document", methods=["POST"])
def provide_document(number: str):
    form = DocumentForm()
    return _act(
        number,
        "document",
        form,
        lambda req, proven: requests.provide_document(
            db.session,
            req,
            user=_user(),
            proven_filer=proven,
            note=form.note.data,
            files=_uploads(["files"])["files"],
            store=_store(),
        ),
        _("Thank you: your answer was sent to the department."),
    )


@bp.route("/track/<number>/rating", methods=["POST"])
def rate(number: str):
    form = RatingForm()
    return _act(
        number,
        "rating",
        form,
        lambda req, proven: requests.rate(
            db.session, req, user=_user(), proven_filer=proven, rating=form.rating.data or "", comment=form.comment.data
        ),
        _("Thank you for your rating."),
    )


@bp.route("/track/<number>/reopen", methods=["POST"])
def reopen(number: str):
    form = ReopenForm()
    return _act(
        number,
        "reopen",
        form,
        lambda req, proven: requests.reopen(
            db.session, req, user=_user(), proven_filer=proven, reason=form.reason.data
        ),
        _("Your request is reopened: the department will look at it again."),
    )


@bp.route("/track/<number>/files/<int:attachment_id>")
def attachment(number: str, attachment_id: int):
    req, _proven = viewable(number)
    found = db.session.get(Attachment, attachment_id) if req is not None else None
    if found is None or found.request_id != req.id:
        abort(404)
    # A file joined to a history entry (a resolution photo, an answer) is the citizen's only if the entry is public.
    if found.event_id is not None and not db.session.get(RequestEvent, found.event_id).is_public:
        abort(404)
    return attachment_response(found)


def attachment_response(found: Attachment):
    """A stored file as a download that a browser never renders in the portal's origin."""
    response = current_app.response_class(_store().read(found.storage_key), mimetype=found.media_type)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{found.storage_key[:8]}\"; filename*=UTF-8''{_quote(found.original_name)}"
    )
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _quote(name: str) -> str:
    return quote(name)


@bp.route("/track/<number>/receipt.pdf")
def receipt_pdf(number: str):
    req, _proven = viewable(number)
    if req is None:
        abort(404)
    pdf = render_pdf(
        "pdf/receipt.html",
        req=req,
        rows=answer_rows(req, current_language()),
        secret=requests.receipt_secret(req, key=_secret_key()),
    )
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{req.tracking_number}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/track/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    # A GET only shows a button: mail scanners open links, and must not confirm on anyone's behalf.
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            req = requests.confirm_contact(db.session, token)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            return render_template("citizen/confirm.html", form=None, message=error_message(exc.code)), 404
        _unlock(req.tracking_number)
        flash(
            _("Thank you: your email address is confirmed and your request is on its way to the department."), "success"
        )
        return redirect(url_for(".track", number=req.tracking_number), 303)
    return render_template("citizen/confirm.html", form=form, message=None)


@bp.route("/my-requests")
@roles_required(Role.CITIZEN)
def my_requests():
    return render_template("citizen/my_requests.html", items=requests.list_for_citizen(db.session, current_user))
