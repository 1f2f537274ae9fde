"""One request as staff work on it: details, history, actions, messages and notes.

Only the agents and supervisors of the request's department reach these pages; for anyone else on the staff
side the request does not exist (404), as on the citizen side. Every action is a small POST form carrying the
request's `row_version` (`seen_version`): a form built from an older state of the request is refused, and the
agent sees the request as it is now.
"""

import logging
from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice

from portal.admin.service_forms import ASSET_LAYER_LABELS
from portal.auth.access import roles_required
from portal.certificates.issue import SigningKeyMissing, approve_and_issue
from portal.citizen.requests import answer_rows, attachment_response
from portal.errors import apply_to_form, render_error, status_for
from portal.extensions import db
from portal.i18n import LANGUAGE_NAMES, ROLE_LABELS, current_language, error_message, localized
from portal.staff import casework_forms as forms
from portal.staff.routes import bp
from portal.staff.timeleft import time_left
from services.accounts import service as accounts
from services.accounts.models import Department, Role, User
from services.casework import actions, duplicates
from services.casework.models import TemplateKind
from services.certificates import service as certificates
from services.errors import Conflict, Invalid, NotAllowed, NotFound, ServiceError
from services.requests import service as requests
from services.requests.models import Attachment, ServiceRequest
from services.requests.uploads import FileStore, Upload
from services.workflow.states import FINAL_STATES
from services.workflow.transitions import Actor, allowed_actions

log = logging.getLogger("portal.staff")

# Administrators manage people and services; they do not work requests (and belong to no department).
CASEWORKERS = (Role.AGENT, Role.SUPERVISOR)


def _me() -> User:
    return current_user._get_current_object()


def _load(number: str) -> tuple[ServiceRequest, Actor]:
    """The request and the capacity in which the signed-in member of staff works on it; 404 for anyone else."""
    try:
        req = requests.get_for_user(db.session, number, _me())
    except NotFound:
        abort(404)
    return req, actions.staff_actor(req, _me())


def _queue_url() -> str:
    return url_for("staff.queue")


# --------------------------------------------------------------------------- the page


def _template_choices(templates, empty: str) -> list[SelectChoice]:
    return [SelectChoice("", empty)] + [SelectChoice(str(t.id), localized(t, "title")) for t in templates]


def _prepare(name: str, form, req: ServiceRequest, actor: Actor):
    """Fill a form's choices (also when it comes back with errors)."""
    me = _me()
    if name == "assign":
        if actor is Actor.SUPERVISOR:
            form.assignee.choices = [SelectChoice("", _("— Choose a person —"))] + [
                SelectChoice(str(u.id), f"{u.full_name} — {ROLE_LABELS[u.role]}")
                for u in actions.assignable_staff(db.session, req.department_id)
            ]
        else:
            form.assignee.choices = [SelectChoice(str(me.id), me.full_name)]  # "Take it"
    elif name == "reject":
        form.template.choices = _template_choices(
            actions.templates_for(db.session, req.department_id, TemplateKind.REJECTION), _("— No template —")
        )
    elif name == "message":
        form.template.choices = _template_choices(
            actions.templates_for(db.session, req.department_id, TemplateKind.MESSAGE), _("— No template —")
        )
    elif name == "reroute":
        form.department.choices = [SelectChoice("", _("— Choose a department —"))] + [
            SelectChoice(str(d.id), localized(d))
            for d in sorted(accounts.list_departments(db.session, active_only=True), key=localized)
            if d.id != req.department_id
        ]
    return form


FORMS = {
    "acknowledge": forms.AcknowledgeForm,
    "assign": forms.AssignForm,
    "start": forms.StartForm,
    "document": forms.DocumentForm,
    "resolve": forms.ResolveForm,
    "approve": forms.ApproveForm,
    "reject": forms.RejectForm,
    "close": forms.CloseForm,
    "no_action": forms.NoActionForm,
    "reroute": forms.RerouteForm,
    "merge": forms.MergeForm,
    "message": forms.MessageForm,
    "note": forms.NoteForm,
}


def _offered(req: ServiceRequest, actor: Actor) -> set[str]:
    """The forms this person may use on the request now."""
    allowed = set(allowed_actions(req, actor))
    offered = {
        name for name in ("acknowledge", "start", "resolve", "approve", "reject", "close", "merge") if name in allowed
    }
    if "request_document" in allowed:  # not offered again once asked: the law allows it once
        offered.add("document")
    if "close_without_action" in allowed:
        offered.add("no_action")
    if "assign" in allowed and (actor is Actor.SUPERVISOR or req.assigned_to_id != _me().id):
        offered.add("assign")
    if actor is Actor.SUPERVISOR and req.is_open:
        offered.add("reroute")
    if req.status_enum not in FINAL_STATES:
        offered.add("message")
    offered.add("note")
    return offered


def _history_people(req: ServiceRequest) -> tuple[dict[int, User], dict[int, Department]]:
    """Everyone and every department the history names, in two queries (actors included)."""
    user_ids, department_ids = set(), set()
    for event in req.events:
        data = event.data or {}
        user_ids.update(v for v in (event.actor_id, data.get("assignee_id"), data.get("previous_id")) if v)
        department_ids.update(v for v in (data.get("from_department"), data.get("to_department")) if v)
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    departments = (
        {d.id: d for d in db.session.scalars(select(Department).where(Department.id.in_(department_ids)))}
        if department_ids
        else {}
    )
    return people, departments


def _appeal(req: ServiceRequest) -> str | None:
    try:
        return actions.appeal_route(db.session, req.department_id).body(req.locale)
    except Invalid:
        return None


def _page(req: ServiceRequest, actor: Actor, given: dict | None = None, status: int = 200):
    given = given or {}
    offered = _offered(req, actor)
    page_forms = {
        name: _prepare(name, given.get(name) or FORMS[name](formdata=None), req, actor)
        for name in FORMS
        if name in offered
    }
    # A form for an action that is no longer possible is not shown again; its errors go to the top of the page.
    stray = [
        (None, message)
        for name, form in given.items()
        if name not in offered
        for message in [*form.form_errors, *(m for f in form for m in f.errors)]
    ]
    files_by_event: dict[int, list[Attachment]] = {}
    for attachment in req.attachments:
        if attachment.event_id is not None:
            files_by_event.setdefault(attachment.event_id, []).append(attachment)
    people, departments = _history_people(req)
    point = to_shape(req.location) if req.location is not None else None
    candidates = duplicates.candidates(db.session, req) if req.is_open and req.merged_into_id is None else []
    return render_template(
        "staff/request_detail.html",
        req=req,
        actor=actor,
        forms=page_forms,
        stray_errors=stray,
        rows=answer_rows(req, current_language()),
        history=req.events,
        files_by_event=files_by_event,
        people=people,
        departments=departments,
        point=point,
        asset_label=ASSET_LAYER_LABELS.get(req.asset_layer, req.asset_layer) if req.asset_layer else None,
        candidates=candidates,
        master=db.session.get(ServiceRequest, req.merged_into_id) if req.merged_into_id else None,
        certificate=certificates.get_for_request(db.session, req),
        deadline_left=time_left(req.deadline_at, is_open=req.is_open),
        target_left=time_left(req.target_at, is_open=req.is_open),
        appeal=_appeal(req) if "reject" in page_forms else None,
        appeal_missing=error_message("appeal_route_missing"),
        message_templates=actions.templates_for(db.session, req.department_id, TemplateKind.MESSAGE)
        if "message" in page_forms
        else [],
        queue_url=_queue_url(),
        language_names=LANGUAGE_NAMES,
        iso=datetime.fromisoformat,
    ), status


@bp.route("/requests/<number>")
@roles_required(*CASEWORKERS)
def request_detail(number: str):
    req, actor = _load(number)
    if req.tracking_number != number:
        return redirect(url_for(".request_detail", number=req.tracking_number), 301)
    return _page(req, actor)


@bp.route("/requests/<number>/files/<int:attachment_id>")
@roles_required(*CASEWORKERS)
def request_file(number: str, attachment_id: int):
    req, _actor = _load(number)
    found = db.session.get(Attachment, attachment_id)
    if found is None or found.request_id != req.id:
        abort(404)
    return attachment_response(found)


# --------------------------------------------------------------------------- acting


def _seen() -> str:
    """The row_version the form was built from; a form without one cannot prove it is current."""
    seen = (request.form.get("seen_version") or "").strip()
    if not seen:
        raise Conflict("request_changed")
    return seen


def _changed_meanwhile(number: str):
    db.session.rollback()
    flash(error_message("request_changed"), "error")
    return redirect(url_for(".request_detail", number=number), 303)


def _act(number: str, name: str, perform, done, *, leaves: bool = False):
    """Run one action's form: on success say `done` and show the request again; on error show why, save nothing.

    `perform(req, form)` does the work; `done(req)` is the sentence to flash. `leaves`: after it, the request
    may belong to another department, so the agent goes back to the queue.
    """
    req, actor = _load(number)
    number, request_id = req.tracking_number, req.id  # usable after a failed flush, when `req` is not
    form = _prepare(name, FORMS[name](), req, actor)
    if not form.validate_on_submit():
        return _page(req, actor, {name: form}, status=400)
    try:
        perform(req, form)
        message = done(req)
        db.session.commit()
    except StaleDataError:
        log.info("stale_casework_refused", extra={"request_id": request_id, "action": name})
        return _changed_meanwhile(number)
    except Conflict as exc:
        if exc.code == "request_changed":
            return _changed_meanwhile(number)
        return _refused(number, name, form, exc)
    except NotAllowed as exc:
        db.session.rollback()
        return render_error(403, error_message(exc.code, **exc.params))
    except ServiceError as exc:
        return _refused(number, name, form, exc)
    except SigningKeyMissing:
        log.error("signing_key_missing", extra={"request_id": request_id})
        db.session.rollback()
        form.form_errors.append(_("The commune's signing key is missing, so no certificate can be issued now."))
        req, actor = _load(number)
        return _page(req, actor, {name: form}, status=503)
    flash(message, "success")
    if leaves:
        return redirect(_queue_url(), 303)
    return redirect(url_for(".request_detail", number=number), 303)


def _refused(number: str, name: str, form, exc: ServiceError):
    db.session.rollback()
    apply_to_form(form, exc)
    req, actor = _load(number)
    return _page(req, actor, {name: form}, status=status_for(exc))


@bp.route("/requests/<number>/<any(acknowledge, start, close):action>", methods=["POST"])
@roles_required(*CASEWORKERS)
def request_transition(number: str, action: str):
    done = {
        "acknowledge": lambda req: _("Receipt acknowledged; the citizen is told by email."),
        "start": lambda req: _("Work started; the citizen is told by email."),
        "close": lambda req: _("The request is closed."),
    }[action]
    return _act(
        number,
        action,
        lambda req, form: actions.transition(db.session, req, action, user=_me(), seen_version=_seen()),
        done,
    )


@bp.route("/requests/<number>/assign", methods=["POST"])
@roles_required(*CASEWORKERS)
def request_assign(number: str):
    def done(req):
        if req.assigned_to_id == _me().id:
            return _("The request is yours now.")
        return _("The request is assigned to %(name)s.", name=req.assigned_to.full_name)

    return _act(
        number,
        "assign",
        lambda req, form: actions.assign(db.session, req, form.assignee.data, user=_me(), seen_version=_seen()),
        done,
    )


@bp.route("/requests/<number>/request-document", methods=["POST"])
@roles_required(*CASEWORKERS)
def request_document(number: str):
    return _act(
        number,
        "document",
        lambda req, form: actions.transition(
            db.session, req, "request_document", user=_me(), note=form.note.data, seen_version=_seen()
        ),
        lambda req: _("The citizen is asked for the missing document by email."),
    )


@bp.route("/requests/<number>/close-without-action", methods=["POST"])
@roles_required(*CASEWORKERS)
def request_no_action(number: str):
    return _act(
        number,
        "no_action",
        lambda req, form: actions.transition(
            db.session, req, "close_without_action", user=_me(), note=form.note.data, seen_version=_seen()
        ),
        lambda req: _("The request is closed without action; the citizen is told why by email."),
    )


@bp.route("/requests/<number>/resolve", methods=["POST"])
@roles_required(*CASEWORKERS)
def request_resolve(number: str):
    def perform(req, form):
        photos = [Upload(fs.filename or "", fs.read()) for fs in request.files.getlist(form.photos.name) if fs.filename]
        try:
            actions.resolve(
                db.session,
                req,
                user=_me(),
                note=form.note.data,
                photos=photos,
                store=FileStore(current_app.config["UPLOAD_DIR"]),
                seen_version=_seen(),
            )
        except Invalid:
            if photos:
                form.form_errors.append(
                    _("For your safety, files are not kept when the form has errors: choose them again.")
                )
            raise

    return _act(number, "resolve", perform, lambda req: _("The request is resolved; the citizen is told by email."))


@bp.route("/requests/<number>/approve", methods=["POST"])
@roles_required(*CASEWORKERS)
def request_approve(number: str):
    def perform(req, form):
        # Certificates are approved by issuing their signed PDF; the version check comes first.
        actions.staff_actor(req, _me())
        actions.check_version(req, _seen())
        approve_and_issue(req, _me())

    return _act(
        number, "approve", perform, lambda req: _("The certificate is issued; the citizen can download it now.")
    )


@bp.route("/requests/<number>/reject", methods=["POST"])
@roles_required(*CASEWORKERS)
def request_reject(number: str):
    return _act(
        number,
        "reject",
        lambda req, form: actions.reject(
            db.session,
            req,
            user=_me(),
            reason=form.reason.data,
            template_id=form.template.data,
            seen_version=_seen(),
        ),
        lambda req: _("The request is rejected; the citizen is told why and how to appeal."),
    )


@bp.route("/requests/<number>/reroute", methods=["POST"])
@roles_required(*CASEWORKERS)
def request_reroute(number: str):
    def done(req):
        return _(
            "Request %(number)s now goes to %(department)s.",
            number=req.tracking_number,
            department=localized(db.session.get(Department, req.department_id)),
        )

    return _act(
        number,
        "reroute",
        lambda req, form: actions.reroute(
            db.session,
            req,
            form.department.data,
            user=_me(),
            reason=form.reason.data,
            tell_citizen=form.tell_citizen.data,
            seen_version=_seen(),
        ),
        done,
        leaves=True,
    )


@bp.route("/requests/<number>/merge", methods=["POST"])
@roles_required(*CASEWORKERS)
def request_merge(number: str):
    def perform(req, form):
        try:
            # Only a request this person may see can be the master: other departments' stay unknown.
            master = requests.get_for_user(db.session, form.master.data or "", _me())
        except NotFound:
            raise Invalid("merge_master_unknown", field="master") from None
        actions.merge(db.session, req, master, user=_me(), seen_version=_seen())

    def done(req):
        master = db.session.get(ServiceRequest, req.merged_into_id)
        return _(
            "Request %(number)s is closed as a duplicate of %(master)s; its citizen now follows that request.",
            number=req.tracking_number,
            master=master.tracking_number,
        )

    return _act(number, "merge", perform, done)


def _message_parts(req: ServiceRequest, form) -> tuple[str | None, str]:
    """The template and the words to add after it, as post_message takes them.

    Without JavaScript the agent picks a template and may add words: the service puts the template first. With
    staff.js the template's text is already in the message box (`inserted`), maybe edited: then the box is the
    whole message, and the template is recorded only if its text is still there, unchanged, as a paragraph.
    """
    template_id, body = form.template.data or None, form.body.data or ""
    if not (form.inserted.data and template_id):
        return template_id, body
    chosen = next(
        (
            t
            for t in actions.templates_for(db.session, req.department_id, TemplateKind.MESSAGE)
            if str(t.id) == template_id
        ),
        None,
    )
    if chosen is None:
        return template_id, body  # the service says the template is not one of this department's
    # The citizen must read exactly what the box showed: the template counts only when it rebuilds the same text.
    text = chosen.body(req.locale).replace("\r\n", "\n").strip()
    written = body.replace("\r\n", "\n").strip()
    if written == text:
        return template_id, ""
    if written.startswith(text + "\n\n"):
        return template_id, written[len(text) :]
    return None, body


@bp.route("/requests/<number>/message", methods=["POST"])
@roles_required(*CASEWORKERS)
def request_message(number: str):
    def perform(req, form):
        template_id, body = _message_parts(req, form)
        actions.post_message(db.session, req, user=_me(), body=body, template_id=template_id)

    return _act(number, "message", perform, lambda req: _("Your message was sent to the citizen."))


@bp.route("/requests/<number>/note", methods=["POST"])
@roles_required(*CASEWORKERS)
def request_note(number: str):
    return _act(
        number,
        "note",
        lambda req, form: actions.add_note(db.session, req, user=_me(), body=form.body.data),
        lambda req: _("Your note was added; the citizen does not see it."),
    )
