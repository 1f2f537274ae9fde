"""Back office for administrators: users, roles, departments and outgoing emails."""

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from portal.admin.forms import (
    DepartmentForm,
    EditUserForm,
    NewUserForm,
    ResetPasswordForm,
    UserFilterForm,
    role_choices,
)
from portal.auth.access import roles_required
from portal.errors import apply_to_form
from portal.extensions import db
from portal.i18n import LANGUAGE_NAMES, localized
from portal.notifications import kind_label, message_status_label
from services.accounts import service as accounts
from services.accounts.models import Role
from services.errors import InvalidTransition, NotFound, ServiceError
from services.notifications import outbox

bp = Blueprint("admin", __name__)
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
        except ServiceError as exc:
            db.session.rollback()
            apply_to_form(form, exc)
        else:
            db.session.commit()
            log.info("user_updated", extra={"actor_id": current_user.id, "user_id": user.id, "role": user.role})
            flash(_("The changes are saved."), "success")
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
