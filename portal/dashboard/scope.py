"""From the filter form and the signed-in user to the Scope every figure is computed over."""

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from gis.districts.models import District
from portal.errors import apply_to_form
from portal.extensions import db
from portal.i18n import localized
from services.accounts.models import Department, Role
from services.clock import local
from services.db import utcnow
from services.errors import Invalid, ServiceError
from services.stats.scope import Period, Scope

from .forms import FilterForm


def today() -> date:
    return local(utcnow()).date()


def preset_period(name: str, day: date) -> Period:
    if name == "this_month":
        return Period(day.replace(day=1), day)
    if name == "last_month":
        last = day.replace(day=1) - timedelta(days=1)
        return Period.month(last.year, last.month)
    if name == "last_30_days":
        return Period.last_days(day, 30)
    if name == "this_year":
        return Period(date(day.year, 1, 1), day)
    if name == "last_year":
        return Period(date(day.year - 1, 1, 1), date(day.year - 1, 12, 31))
    # The last 12 months: from the first of the month a year ago, so months compare whole.
    return Period(_months_back(day.replace(day=1), 11), day)


def _months_back(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def forced_department() -> int | None:
    """A head of department sees their own department only, whatever the address says."""
    if current_user.has_role(Role.SUPERVISOR):
        return current_user.department_id
    return None


def read_filters(args) -> tuple[FilterForm, Scope | None]:
    """The form filled from the query string, and the scope it selects (None with the form's errors)."""
    form = FilterForm(args)
    districts = db.session.scalars(select(District)).all()
    form.district.choices = [SelectChoice("", _("Whole commune")), *_sorted_choices(districts)]
    forced = forced_department()
    if forced is None:
        departments = db.session.scalars(select(Department)).all()
        form.department.choices = [SelectChoice("", _("All departments")), *_sorted_choices(departments)]
    else:
        form.department.choices = [SelectChoice(str(forced), "")]
        form.department.data = str(forced)
    if not form.validate():
        return form, None
    try:
        period = _period(form)
    except ServiceError as exc:
        apply_to_form(form, exc)
        return form, None
    return form, Scope(
        period,
        district_id=int(form.district.data) if form.district.data else None,
        department_id=forced if forced is not None else (int(form.department.data) if form.department.data else None),
    )


def _sorted_choices(items) -> list[SelectChoice]:
    return sorted((SelectChoice(str(i.id), localized(i)) for i in items), key=lambda c: c.label)


def _period(form: FilterForm) -> Period:
    name = form.period.data or "last_12_months"
    if name != "custom":
        return preset_period(name, today())
    missing = [f for f in (form.start, form.end) if f.data is None]
    if missing:
        raise Invalid("period_dates_missing", field=missing[0].name)
    return Period(form.start.data, form.end.data)
