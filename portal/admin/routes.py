"""Back office for administrators: users, departments, e-services, response templates, days off, outgoing emails."""

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from portal.admin.forms import (
    TEMPLATE_KIND_LABELS,
    DepartmentForm,
    EditUserForm,
    HolidayForm,
    NewUserForm,
    ResetPasswordForm,
    TemplateFilterForm,
    TemplateForm,
    UserFilterForm,
    role_choices,
)
from portal.admin.service_forms import (
    EMPTY_ROWS,
    ServiceForm,
    documents_to_text,
    empty_row_data,
    field_row_data,
)
from portal.auth.access import roles_required
from portal.errors import apply_to_form
from portal.extensions import db
from portal.i18n import KIND_LABELS, LANGUAGE_NAMES, current_language, error_message, localized
from portal.notifications import kind_label, message_status_label
from services.accounts import service as accounts
from services.accounts.models import Role
from services.casework import actions as casework
from services.casework import templates as response_templates
from services.catalog import service as catalog
from services.clock import local
from services.db import utcnow
from services.errors import Invalid, InvalidTransition, NotFound, ServiceError
from services.notifications import outbox
from services.requests import deadlines
from services.requests import holidays as decreed

bp = Blueprint("admin", __name__)
STAFF_ROLES = (Role.AGENT, Role.SUPERVISOR)  # the people requests are assigned to
log = logging.getLogger("portal.admin")


@bp.before_request
@roles_required(Role.ADMIN)
def _admins_only():
    """Every back-office route is for administrators only."""


def _department_choices(include_inactive_id: int | None = None) -> list[SelectChoice]:
    choices = [SelectChoice("", _("— No department —"))]
    for department in accounts.list_departments(db.session):
        if department.is_active or department.id == include_inactive_id:
            choices.append(SelectChoice(str(department.id), localized(department)))
    return choices


@bp.route("/")
def index():
    filters = UserFilterForm(request.args)
    filters.role.choices = [SelectChoice("", _("All roles")), *role_choices(include_citizen=True)]
    page = request.args.get("page", 1, type=int)
    role = filters.role.data if filters.validate() and filters.role.data else None
    result = accounts.list_users(db.session, query=filters.q.data or "", role=role, page=page)
    return render_template("admin/users.html", filters=filters, result=result)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm()
    form.role.choices = role_choices(include_citizen=False)
    form.department_id.choices = _department_choices()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                db.session,
                full_name=form.full_name.data,
                email=form.email.data,
                role=form.role.data,
                password=form.password.data,
                department_id=form.department_id.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            apply_to_form(form, exc)
        else:
            db.session.commit()
            log.info("user_created", extra={"actor_id": current_user.id, "user_id": user.id, "role": user.role})
            flash(_("The account of %(name)s is created.", name=user.full_name), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/user_new.html", form=form)


def _edit_user_form(user, *, from_request: bool) -> EditUserForm:
    """The role form, filled from the request or from the user, with its choices."""
    form = EditUserForm() if from_request else EditUserForm(formdata=None, obj=user)
    form.role.choices = role_choices(include_citizen=user.role == Role.CITIZEN.value)
    form.department_id.choices = _department_choices(include_inactive_id=user.department_id)
    return form


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = accounts.get_user(db.session, user_id)
    form = _edit_user_form(user, from_request=request.method == "POST")
    if form.validate_on_submit():
        was_working = user.is_active and user.role_enum in STAFF_ROLES
        department_before = user.department_id
        try:
            accounts.update_user(
                db.session,
                current_user,
                user.id,
                full_name=form.full_name.data,
                role=form.role.data,
                department_id=form.department_id.data,
                is_active=form.is_active.data,
            )
            # Someone who can no longer work on their department's requests gives them back, in the
            # same transaction: nothing stays assigned to a person nobody can reach.
            leaves = was_working and (
                not user.is_active or user.role_enum not in STAFF_ROLES or user.department_id != department_before
            )
            released = casework.release_assignments(db.session, user, user=current_user) if leaves else None
        except ServiceError as exc:
            db.session.rollback()
            apply_to_form(form, exc)
        else:
            db.session.commit()
            log.info("user_updated", extra={"actor_id": current_user.id, "user_id": user.id, "role": user.role})
            flash(_("The changes are saved."), "success")
            if released is not None:
                log.info(
                    "assignments_released",
                    extra={"actor_id": current_user.id, "user_id": user.id, "count": len(released)},
                )
                flash(
                    ngettext(
                        "%(num)s open request of %(name)s went back to the department's queue, unassigned.",
                        "%(num)s open requests of %(name)s went back to the department's queue, unassigned.",
                        len(released),
                        name=user.full_name,
                    ),
                    "info",
                )
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/user_edit.html", user=user, form=form, reset=ResetPasswordForm(prefix="reset"))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
def reset_password(user_id: int):
    user = accounts.get_user(db.session, user_id)
    reset = ResetPasswordForm(prefix="reset")
    if reset.validate_on_submit():
        try:
            accounts.reset_password(db.session, user.id, reset.new_password.data)
        except ServiceError as exc:
            db.session.rollback()
            apply_to_form(reset, exc)
        else:
            db.session.commit()
            log.info("password_reset", extra={"actor_id": current_user.id, "user_id": user.id})
            flash(_("The password is changed and the person is signed out everywhere."), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    form = _edit_user_form(user, from_request=False)
    return render_template("admin/user_edit.html", user=user, form=form, reset=reset), 400


@bp.route("/departments")
def departments():
    return render_template("admin/departments.html", departments=accounts.list_departments(db.session))


@bp.route("/departments/new", methods=["GET", "POST"], defaults={"department_id": None})
@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
def edit_department(department_id: int | None):
    department = accounts.get_department(db.session, department_id) if department_id else None
    form = DepartmentForm(obj=department if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            saved = accounts.save_department(
                db.session,
                department_id=department_id,
                code=form.code.data,
                name_ar=form.name_ar.data,
                name_fr=form.name_fr.data,
                email=form.email.data or None,
                is_active=form.is_active.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            apply_to_form(form, exc)
        else:
            db.session.commit()
            log.info("department_saved", extra={"actor_id": current_user.id, "department_id": saved.id})
            flash(_("The department is saved."), "success")
            return redirect(url_for("admin.departments"))
    return render_template("admin/department_edit.html", form=form, department=department)


def _template_kind_choices() -> list[SelectChoice]:
    return [SelectChoice(value, str(label)) for value, label in TEMPLATE_KIND_LABELS.items()]


@bp.route("/templates")
def templates():
    filters = TemplateFilterForm(request.args)
    filters.kind.choices = [SelectChoice("", _("All uses")), *_template_kind_choices()]
    kind = filters.kind.data if filters.validate() and filters.kind.data else None
    return render_template(
        "admin/templates.html",
        filters=filters,
        templates=response_templates.list_templates(db.session, kind),
        template_kind_labels=TEMPLATE_KIND_LABELS,
    )


def _template_form(template) -> TemplateForm:
    """The template form, filled from the request on a submission, else from the template."""
    if request.method == "POST":
        form = TemplateForm()
    elif template is None:
        kind = request.args.get("kind", "")
        form = TemplateForm(formdata=None, data={"kind": kind if kind in TEMPLATE_KIND_LABELS else "rejection"})
    else:
        form = TemplateForm(
            formdata=None,
            data={
                **{k: getattr(template, k) for k in ("kind", "title_ar", "title_fr", "body_ar", "body_fr")},
                "department_id": str(template.department_id or ""),
                "is_active": template.is_active,
            },
        )
    form.kind.choices = _template_kind_choices()
    departments = _department_choices(include_inactive_id=template.department_id if template else None)
    form.department_id.choices = [SelectChoice("", _("All departments")), *departments[1:]]
    return form


@bp.route("/templates/new", methods=["GET", "POST"], defaults={"template_id": None})
@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
def edit_template(template_id: int | None):
    template = response_templates.get_template(db.session, template_id) if template_id else None
    form = _template_form(template)
    if form.validate_on_submit():
        try:
            saved = response_templates.save_template(
                db.session,
                template_id=template_id,
                kind=form.kind.data,
                title_ar=form.title_ar.data,
                title_fr=form.title_fr.data,
                body_ar=form.body_ar.data,
                body_fr=form.body_fr.data,
                department_id=form.department_id.data or None,
                is_active=bool(form.is_active.data),
                user=current_user,
            )
        except ServiceError as exc:
            db.session.rollback()
            apply_to_form(form, exc)
        else:
            db.session.commit()
            log.info("template_saved", extra={"actor_id": current_user.id, "template_id": saved.id})
            flash(_("The template is saved."), "success")
            return redirect(url_for("admin.templates"))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/template_edit.html", form=form, template=template), status


@bp.route("/holidays", methods=["GET", "POST"])
def holidays():
    form = HolidayForm()
    if form.validate_on_submit():
        try:
            holiday, moved = decreed.add_holiday(
                db.session,
                day=form.day.data,
                name_ar=form.name_ar.data,
                name_fr=form.name_fr.data,
                decree=form.decree.data,
                user=current_user,
            )
        except ServiceError as exc:
            db.session.rollback()
            apply_to_form(form, exc)
        else:
            db.session.commit()
            log.info(
                "holiday_added", extra={"actor_id": current_user.id, "holiday_id": holiday.id, "moved": len(moved)}
            )
            flash(
                ngettext(
                    "%(day)s is declared a day off. %(num)s open request had its legal deadline moved.",
                    "%(day)s is declared a day off. %(num)s open requests had their legal deadline moved.",
                    len(moved),
                    day=format_date(holiday.day, "full"),
                ),
                "success",
            )
            return redirect(url_for("admin.holidays"))
    year = local(utcnow()).year
    page = render_template(
        "admin/holidays.html",
        form=form,
        decreed=decreed.list_holidays(db.session),
        year=year,
        public=deadlines.public_holidays(year, current_language()),
    )
    return page, 400 if form.is_submitted() else 200


@bp.route("/holidays/<int:holiday_id>/remove", methods=["POST"])
def remove_holiday(holiday_id: int):
    moved = decreed.remove_holiday(db.session, holiday_id, user=current_user)
    db.session.commit()
    log.info("holiday_removed", extra={"actor_id": current_user.id, "holiday_id": holiday_id, "moved": len(moved)})
    flash(
        ngettext(
            "The day off is removed. %(num)s open request had its legal deadline moved back.",
            "The day off is removed. %(num)s open requests had their legal deadline moved back.",
            len(moved),
        ),
        "success",
    )
    return redirect(url_for("admin.holidays"))


@bp.route("/outbox")
def outbox_messages():
    """Emails that wait to be sent or have failed, with what went wrong."""
    page = request.args.get("page", 1, type=int)
    return render_template(
        "admin/outbox.html",
        result=outbox.list_messages(db.session, page=page),
        counts=outbox.summary(db.session),
        max_attempts=outbox.MAX_ATTEMPTS,
        kind_label=kind_label,
        message_status_label=message_status_label,
        language_names=LANGUAGE_NAMES,
    )


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
def retry_message(message_id: int):
    try:
        outbox.retry(db.session, message_id)
    except NotFound:
        abort(404)
    except InvalidTransition:
        db.session.rollback()
        flash(_("This email has already been sent."), "info")
    else:
        db.session.commit()
        log.info("outbox_retry", extra={"actor_id": current_user.id, "message_id": message_id})
        flash(_("The email will be sent on the next run of the sender."), "success")
    return redirect(url_for("admin.outbox_messages"))


@bp.route("/outbox/retry-failed", methods=["POST"])
def retry_failed_messages():
    count = outbox.retry_failed(db.session)
    db.session.commit()
    log.info("outbox_retry_failed", extra={"actor_id": current_user.id, "count": count})
    flash(
        ngettext(
            "%(num)s failed email will be sent on the next run of the sender.",
            "%(num)s failed emails will be sent on the next run of the sender.",
            count,
        ),
        "success",
    )
    return redirect(url_for("admin.outbox_messages"))


@bp.route("/services")
def services():
    return render_template("admin/services.html", services=catalog.list_services(db.session, active_only=False))


def _service_form(service) -> ServiceForm:
    """The editor, filled from the request on a submission, else from the service's current version."""
    if request.method == "POST":
        form = ServiceForm()
    elif service is None:
        form = ServiceForm(formdata=None, data={"fields": [empty_row_data(n + 1) for n in range(EMPTY_ROWS)]})
    else:
        current = service.current
        rows = [field_row_data(f, n + 1) for n, f in enumerate(current.fields)]
        rows += [empty_row_data(len(rows) + n + 1) for n in range(EMPTY_ROWS)]
        form = ServiceForm(
            formdata=None,
            data={
                "code": service.code,
                "kind": service.kind,
                "department_id": str(service.department_id),
                "is_active": service.is_active,
                **{k: getattr(current, k) for k in ("name_ar", "name_fr", "description_ar", "description_fr")},
                "documents": documents_to_text(current.documents),
                "fee_mad": str(current.fee_mad),
                "delay_value": str(current.delay_value),
                "delay_unit": current.delay_unit,
                "target_value": "" if current.target_value is None else str(current.target_value),
                "location_required": current.location_required,
                "asset_layer": current.asset_layer or "",
                "fields": rows,
            },
        )
    form.kind.choices = [SelectChoice(value, str(label)) for value, label in KIND_LABELS.items()]
    department_choices = _department_choices(include_inactive_id=service.department_id if service else None)
    form.department_id.choices = [SelectChoice("", _("— Choose a department —")), *department_choices[1:]]
    return form


def _show_errors(form: ServiceForm, exc: ServiceError, rows: list[int]) -> dict[int, list[str]]:
    """Put the catalogue's errors next to their inputs; a form field's go to its fieldset, by row.

    The catalogue numbers form fields in saved order; the page numbers its rows as shown,
    so the message names the row the administrator sees.
    """
    row_errors: dict[int, list[str]] = {}
    others = []
    for error in getattr(exc, "errors", None) or [exc]:
        position = error.params.get("position")
        if error.field == "fields" and position and 0 < position <= len(rows):
            row = rows[position - 1]
            row_errors.setdefault(row, []).append(error_message(error.code, **(error.params | {"position": row + 1})))
        else:
            others.append(error)
    if others:
        apply_to_form(form, Invalid("invalid", errors=others))
    return row_errors


def _department_id(value: str | None) -> int:
    # Nothing chosen reads as no department (id 0), which the catalogue refuses with its message.
    return int(value) if (value or "").isdigit() else 0


@bp.route("/services/new", methods=["GET", "POST"], defaults={"code": None})
@bp.route("/services/<code>", methods=["GET", "POST"])
def edit_service(code: str | None):
    service = catalog.get_service(db.session, code, active_only=False) if code else None
    form = _service_form(service)
    row_errors: dict[int, list[str]] = {}
    if form.is_submitted():
        # The form's own checks only read numbers; the catalogue judges the definition.
        readable = form.validate()
        definition, rows = form.definition()
        before = service.current.version if service else 0
        try:
            if readable:
                saved = catalog.save_service(
                    db.session,
                    code=service.code if service else form.code.data,
                    kind=form.kind.data,
                    department_id=_department_id(form.department_id.data),
                    is_active=bool(form.is_active.data),
                    actor_id=current_user.id,
                    create=service is None,
                    **definition,
                )
            else:
                catalog.check_definition(**definition)  # every other problem, shown at once
        except ServiceError as exc:
            db.session.rollback()
            row_errors = _show_errors(form, exc, rows)
        else:
            if readable:
                db.session.commit()
                version = saved.current.version
                log.info(
                    "service_saved", extra={"actor_id": current_user.id, "service": saved.code, "version": version}
                )
                if version != before:
                    flash(_("The service is saved as version %(version)s.", version=version), "success")
                else:
                    flash(_("The service is saved. Its definition did not change: no new version."), "success")
                return redirect(url_for("admin.edit_service", code=saved.code))
        status = 400
    else:
        status = 200
    return render_template("admin/service_edit.html", form=form, service=service, row_errors=row_errors), status
