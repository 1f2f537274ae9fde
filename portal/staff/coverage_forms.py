"""The form of the bus-coverage page, read from the query string (it changes nothing and can be bookmarked)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField
from wtforms.validators import NumberRange, Optional

from gis.transport.coverage import DEFAULT_MIN_DEPARTURES, MAX_MIN_DEPARTURES

MIN_DEPARTURES_MESSAGE = _l("Give a whole number of times, from 0 to %(max)s.", max=MAX_MIN_DEPARTURES)


class CoverageForm(FlaskForm):
    class Meta:
        csrf = False

    date = DateField(
        _l("Day"),
        validators=[Optional()],
        invalid_value_message=_l("Enter the date as year-month-day, for example 2026-11-23."),
        render_kw={"dir": "ltr"},
    )
    min_departures = IntegerField(
        _l("A stop counts when buses stop there at least (times that day)"),
        default=DEFAULT_MIN_DEPARTURES,
        validators=[Optional(), NumberRange(min=0, max=MAX_MIN_DEPARTURES, message=MIN_DEPARTURES_MESSAGE)],
        invalid_value_message=MIN_DEPARTURES_MESSAGE,
        render_kw={"inputmode": "numeric", "dir": "ltr"},
    )
