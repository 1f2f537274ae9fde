"""Forms of the sanitation pages; all are read from the query string (they change nothing, and can be bookmarked)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FloatField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import HiddenInput

from gis.sanitation import hotspots, queries
from services.sanitation.hotspots import DEFAULT_DAYS, MAX_DAYS


class QueryForm(FlaskForm):
    class Meta:
        csrf = False


class CollectionForm(QueryForm):
    """A resident's district, or the point clicked on the map (filled in by the map's script)."""

    district = SelectField(_l("Your district"), validators=[Optional()])
    lon = FloatField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=-180, max=180)])
    lat = FloatField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=-90, max=90)])


class ContainersForm(QueryForm):
    threshold = IntegerField(
        _l("Fill level from (%)"),
        default=queries.DEFAULT_THRESHOLD,
        validators=[Optional(), NumberRange(min=0, max=100)],
        render_kw={"inputmode": "numeric", "dir": "ltr"},
    )
    district = SelectField(_l("District"), validators=[Optional()])


class RoundForm(QueryForm):
    depot = SelectField(_l("Leave from and return to"), validators=[Optional()])


class HotspotsForm(QueryForm):
    days = IntegerField(
        _l("Reports of the last (days)"),
        default=DEFAULT_DAYS,
        validators=[Optional(), NumberRange(min=1, max=MAX_DAYS)],
        render_kw={"inputmode": "numeric", "dir": "ltr"},
    )
    radius = IntegerField(
        _l("Distance between neighbouring reports, at most (metres)"),
        default=hotspots.DEFAULT_RADIUS_M,
        validators=[Optional(), NumberRange(min=1, max=hotspots.MAX_RADIUS_M)],
        render_kw={"inputmode": "numeric", "dir": "ltr"},
    )
    min_reports = IntegerField(
        _l("Reports in a hotspot, at least"),
        default=hotspots.DEFAULT_MIN_POINTS,
        validators=[Optional(), NumberRange(min=2, max=hotspots.MAX_MIN_POINTS)],
        render_kw={"inputmode": "numeric", "dir": "ltr"},
    )
