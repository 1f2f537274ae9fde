"""The department's queue: filters, search, sorting, paging and bulk assignment."""

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

from gis.districts.queries import list_districts
from portal.auth.access import roles_required
from portal.errors import render_error
from portal.extensions import db
from portal.i18n import error_message, localized, status_label
from portal.staff.routes import bp
from portal.staff.timeleft import time_left
from services.accounts.models import Role, User
from services.casework import actions
from services.casework import queue as casework_queue
from services.casework.queue import Assigned, Due, QueueFilter, Sort, StatusFilter
from services.catalog.service import list_services
from services.db import utcnow
from services.errors import NotAllowed, NotFound, ServiceError

log = logging.getLogger("portal.staff")

QUEUE_ROLES = (Role.AGENT, Role.SUPERVISOR)
SEARCH_MAX = 100


class QueueFilterForm(FlaskForm):
    """The queue's filters, read from the address: a GET form that changes nothing."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default=StatusFilter.OPEN.value, validate_choice=False)
    service = SelectField(_l("E-service"), default="", validate_choice=False)
    district = SelectField(_l("District"), default="", validate_choice=False)
    assigned = SelectField(_l("Assigned to"), default="", validate_choice=False)
    due = SelectField(_l("Deadline"), default="", validate_choice=False)
    q = StringField(
        _l("Search"),
        default="",
        description=_l("A tracking number, the citizen's name, or words from the request."),
        render_kw={"type": "search", "maxlength": SEARCH_MAX, "spellcheck": "false"},
    )
    sort = SelectField(_l("Sort by"), default=Sort.DEADLINE.value, validate_choice=False)

    SELECTS = ("status", "service", "district", "assigned", "due", "sort")


class BulkAssignForm(FlaskForm):
    # The choice is checked by the service, which names what is wrong; WTForms' own message would not.
    assignee = SelectField(
        _l("Assign to"),
        validators=[DataRequired(_l("Choose who will handle the selected requests."))],
        validate_choice=False,
    )


def _fill_choices(form: QueueFilterForm, department_id: int) -> None:
    form.status.choices = [
        (StatusFilter.OPEN.value, _("Open requests")),
        (StatusFilter.ALL.value, _("All requests")),
        *((value, status_label(value, staff=True)) for value in casework_queue.VISIBLE),
    ]
    services = list_services(db.session, department_id=department_id, active_only=False)
    form.service.choices = [
        ("", _("All e-services")),
        *sorted(((str(s.id), localized(s.current)) for s in services), key=lambda c: c[1]),
    ]
    form.district.choices = [("", _("All districts")), *((str(d.id), localized(d)) for d in list_districts(db.session))]
    form.assigned.choices = [
        ("", _("Anyone, or no one")),
        (Assigned.ME.value, _("Me")),
        (Assigned.UNASSIGNED.value, _("No one yet")),
    ]
    form.due.choices = [
        ("", _("Any deadline")),
        (Due.OVERDUE.value, _("Overdue")),
        (Due.SOON.value, _("Due within 48 hours")),
    ]
    form.sort.choices = [
        (Sort.DEADLINE.value, _("Deadline, most urgent first")),
        (Sort.FILED.value, _("Newest first")),
        (Sort.UPDATED.value, _("Recently updated first")),
    ]


def read_filters(department_id: int) -> tuple[QueueFilterForm, QueueFilter, dict]:
    """The filters in the address; a value that is not offered is ignored and said so, never an error page.

    Returns the form (to show), the service's filter, and the non-default values to keep in links.
    """
    form = QueueFilterForm(formdata=request.args)
    _fill_choices(form, department_id)
    ignored = False
    for name in form.SELECTS:
        field = form[name]
        if field.data not in {value for value, _label in field.choices}:
            field.errors = [error_message("choice_invalid")]
            field.data = field.default
            ignored = True
    query = " ".join((form.q.data or "").split())
    if len(query) > SEARCH_MAX:
        form.q.errors = [error_message("answer_too_long", max=SEARCH_MAX)]
        query = ""
        ignored = True
    form.q.data = query
    if ignored:
        form.form_errors.append(_("A filter was not valid and was left out: the list below ignores it."))
    values = {name: form[name].data for name in (*form.SELECTS, "q")}
    link_args = {name: value for name, value in values.items() if value and value != form[name].default}
    chosen = QueueFilter(
        status=values["status"],
        service_id=int(values["service"]) if values["service"] else None,
        district_id=int(values["district"]) if values["district"] else None,
        assigned=values["assigned"] or None,
        due=values["due"] or None,
        q=query,
        sort=values["sort"],
    )
    return form, chosen, link_args


def _assign_form(department_id: int, formdata=None) -> BulkAssignForm:
    form = BulkAssignForm(formdata=formdata) if formdata is not None else BulkAssignForm(formdata=None)
    form.assignee.choices = [
        ("", _("— Choose a person —")),
        *((str(u.id), u.full_name) for u in actions.assignable_staff(db.session, department_id)),
    ]
    return form


def _department_id() -> int:
    department_id = current_user.department_id
    if department_id is None:  # the accounts service forbids it; never show every department's requests
        abort(403)
    return department_id


def _page(filters, chosen, link_args, assign_form=None, *, selection_errors=(), checked=(), status=200):
    department_id = _department_id()
    now = utcnow()
    number = request.args.get("page", 1, type=int)
    result = casework_queue.department_queue(
        db.session,
        department_id,
        chosen,
        user_id=current_user.id,
        page=number,
        per_page=casework_queue.PER_PAGE,
        now=now,
    )
    totals = casework_queue.counts(db.session, department_id, user_id=current_user.id, now=now)
    # The assignment comes back to the same filters and page.
    here = {**link_args, **({"page": result.page} if result.page > 1 else {})}
    return (
        render_template(
            "staff/queue.html",
            department=current_user.department,
            filters=filters,
            chosen=chosen,
            link_args=link_args,
            filtered=bool(link_args),
            result=result,
            counts=totals,
            assign_form=assign_form,
            assign_action=url_for("staff.bulk_assign", **here),
            selection_errors=list(selection_errors),
            checked={str(value) for value in checked},
            left=lambda deadline, r: time_left(deadline, is_open=r.is_open, now=now),
        ),
        status,
    )


@bp.route("/queue")
@roles_required(*QUEUE_ROLES)
def queue():
    """The requests of the signed-in member of staff's department, and nothing else."""
    department_id = _department_id()
    filters, chosen, link_args = read_filters(department_id)
    assign_form = _assign_form(department_id) if current_user.has_role(Role.SUPERVISOR) else None
    return _page(filters, chosen, link_args, assign_form)


def _selection_message(error: ServiceError) -> str:
    if isinstance(error, NotFound):
        return error_message("selection_invalid")
    message = error_message(error.code, **error.params)
    number = error.params.get("number")
    if number and number not in message:
        return _("Request %(number)s: %(message)s", number=number, message=message)
    return message


@bp.route("/queue/assign", methods=["POST"])
@roles_required(*QUEUE_ROLES)
def bulk_assign():
    """A supervisor gives the ticked requests to one person: all of them, or none and the reason."""
    if not current_user.has_role(Role.SUPERVISOR):
        return render_error(403, error_message("only_supervisors_bulk_assign"))
    department_id = _department_id()
    filters, chosen, link_args = read_filters(department_id)
    form = _assign_form(department_id, formdata=request.form)
    selected = request.form.getlist("selected")
    selection_errors = []
    if not selected:
        selection_errors.append(error_message("selection_empty"))
    status = 400
    if form.validate() and not selection_errors:
        try:
            moved = actions.bulk_assign(db.session, selected, form.assignee.data, user=current_user)
        except ServiceError as exc:
            db.session.rollback()  # the requests assigned before the refused one go back as they were
            status = 403 if isinstance(exc, NotAllowed) else 400
            for error in getattr(exc, "errors", None) or [exc]:
                if error.field == "assignee":
                    form.assignee.errors = [error_message(error.code, **error.params)]
                else:
                    selection_errors.append(_selection_message(error))
        else:
            db.session.commit()
            assignee = db.session.get(User, int(form.assignee.data))  # checked by bulk_assign
            log.info(
                "bulk_assign",
                extra={"actor_id": current_user.id, "assignee_id": assignee.id, "count": len(moved)},
            )
            if moved:
                flash(
                    ngettext(
                        "%(num)s request assigned to %(name)s.",
                        "%(num)s requests assigned to %(name)s.",
                        len(moved),
                        name=assignee.full_name,
                    ),
                    "success",
                )
            else:
                flash(_("The selected requests were already assigned to %(name)s.", name=assignee.full_name), "info")
            return redirect(url_for("staff.queue", **link_args, **_page_arg()))
    return _page(
        filters,
        chosen,
        link_args,
        form,
        selection_errors=selection_errors,
        checked=selected,
        status=status,
    )


def _page_arg() -> dict:
    number = request.args.get("page", 1, type=int)
    return {"page": number} if number > 1 else {}
