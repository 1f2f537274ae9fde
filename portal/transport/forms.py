"""Forms of the transport pages; read from the query string (they change nothing, and can be bookmarked)."""

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, ValidationError
from wtforms.validators import Length, Optional

# Arabic-Indic and Persian digits, and the Arabic decimal separator, as phones type them.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫", "01234567890123456789.")


class QueryForm(FlaskForm):
    class Meta:
        csrf = False


def read_degrees(text: str | None, limit: float) -> float | None:
    """A coordinate typed or sent by the map: '34.92', '34,92', '٣٤٫٩٢'; None when empty; ValueError when it is
    not a number of degrees within ±`limit`."""
    text = (text or "").strip().translate(_DIGITS).replace(",", ".").replace(" ", "")
    if not text:
        return None
    value = float(text)  # ValueError for anything else
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise ValueError(text)
    return value


def _coordinate(limit: float, message):
    def check(_form, field):
        try:
            field.number = read_degrees(field.data, limit)
        except ValueError:
            field.number = None
            raise ValidationError(str(message)) from None

    return check


class StopSearchForm(QueryForm):
    q = StringField(
        _l("Name or code of the stop"),
        description=_l("The code is written on the stop's sign."),
        validators=[Optional(), Length(max=100)],
        render_kw={"maxlength": 100, "autocomplete": "off", "spellcheck": "false"},
    )


class NearForm(QueryForm):
    """A district chosen in the list, or a point: typed, clicked on the map, or the browser's position."""

    district = SelectField(_l("Your district"), validators=[Optional()], validate_choice=False)
    lat = StringField(
        _l("Latitude"),
        validators=[_coordinate(90, _l("Give the latitude as a number of degrees from -90 to 90, like 34.9213."))],
        render_kw={"inputmode": "decimal", "dir": "ltr", "autocomplete": "off", "maxlength": 20},
    )
    lon = StringField(
        _l("Longitude"),
        validators=[_coordinate(180, _l("Give the longitude as a number of degrees from -180 to 180, like -2.3206."))],
        render_kw={"inputmode": "decimal", "dir": "ltr", "autocomplete": "off", "maxlength": 20},
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and (getattr(self.lat, "number", None) is None) != (getattr(self.lon, "number", None) is None):
            missing = self.lon if self.lon.number is None else self.lat
            missing.errors = [*missing.errors, str(_l("Give both the latitude and the longitude of the place."))]
            return False
        return valid

    @property
    def point(self) -> tuple[float, float] | None:
        """(lon, lat) when both were given and valid."""
        lon, lat = getattr(self.lon, "number", None), getattr(self.lat, "number", None)
        return (lon, lat) if lon is not None and lat is not None else None
