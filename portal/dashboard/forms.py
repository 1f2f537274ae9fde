"""The dashboard's filters, read from the query string: a page can be bookmarked, shared and exported as shown."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import Optional

DATE_MESSAGE = _l("Enter the date as year-month-day, for example 2026-11-23.")

PRESETS = {
    "last_12_months": _l("The last 12 months"),
    "this_month": _l("This month"),
    "last_month": _l("Last month"),
    "last_30_days": _l("The last 30 days"),
    "this_year": _l("This year"),
    "last_year": _l("Last year"),
    "custom": _l("Dates chosen below"),
}


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    period = SelectField(
        _l("Period"),
        choices=[SelectChoice(k, v) for k, v in PRESETS.items()],
        default="last_12_months",
        validators=[Optional()],
    )
    start = DateField(_l("From"), validators=[Optional()], invalid_value_message=DATE_MESSAGE, render_kw={"dir": "ltr"})
    end = DateField(
        _l("To (included)"), validators=[Optional()], invalid_value_message=DATE_MESSAGE, render_kw={"dir": "ltr"}
    )
    district = SelectField(_l("District"), validate_choice=True, validators=[Optional()])
    department = SelectField(_l("Department"), validate_choice=True, validators=[Optional()])
