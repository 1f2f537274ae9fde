"""Forms of the street-lighting pages: the energy scenario (GET, changes nothing) and a light's state (POST)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from gis.lighting.cabinets import MAX_STEPS
from gis.lighting.models import MaintenanceKind
from gis.lighting.upkeep import NOTE_MAX
from portal.i18n import LIGHT_STATUS_LABELS

MAINTENANCE_LABELS = {
    MaintenanceKind.FAULT_REPORTED.value: _l("Fault reported"),
    MaintenanceKind.REPAIRED.value: _l("Repaired"),
    MaintenanceKind.STATUS_SET.value: _l("State changed"),
    MaintenanceKind.LAMP_REPLACED.value: _l("Lamp replaced"),
    MaintenanceKind.INSPECTED.value: _l("Inspected"),
}


class ScenarioForm(FlaskForm):
    """Read from the query string: bookmarkable, and no token needed as nothing is saved."""

    class Meta:
        csrf = False

    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=2000, max=2100)])
    led_percent = IntegerField(
        _l("Power of the LED replacing a lamp, as a percentage of the old lamp's"),
        validators=[Optional(), NumberRange(min=10, max=100)],
        render_kw={"inputmode": "numeric", "dir": "ltr"},
    )
    led_cost = DecimalField(
        _l("Cost of one LED lamp, fitted (MAD)"),
        validators=[Optional(), NumberRange(min=0, max=100_000)],
        render_kw={"inputmode": "decimal", "dir": "ltr"},
    )


class LightStatusForm(FlaskForm):
    status = SelectField(
        _l("State found on site"),
        choices=[SelectChoice(value, label) for value, label in LIGHT_STATUS_LABELS.items()],
        validators=[InputRequired()],
    )
    note = TextAreaField(_l("What was done (optional)"), render_kw={"rows": 3, "maxlength": NOTE_MAX})
    submit = SubmitField(_l("Record the visit"))


class DimmingStepForm(Form):
    start = StringField(_l("From"), render_kw={"type": "time", "dir": "ltr"})
    end = StringField(_l("To"), render_kw={"type": "time", "dir": "ltr"})
    level = StringField(_l("Power (%)"), render_kw={"inputmode": "numeric", "dir": "ltr"})


class DimmingForm(FlaskForm):
    steps = FieldList(FormField(DimmingStepForm), min_entries=MAX_STEPS, max_entries=MAX_STEPS)
    submit = SubmitField(_l("Save the schedule"))


class ReadingForm(FlaskForm):
    read_at = DateTimeLocalField(_l("Read on"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    index_kwh = StringField(
        _l("Meter index (kWh)"), validators=[InputRequired()], render_kw={"inputmode": "decimal", "dir": "ltr"}
    )
    submit = SubmitField(_l("Record the reading"))
