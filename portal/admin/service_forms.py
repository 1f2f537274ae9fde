"""The back-office editor of a service and its form, without JavaScript or JSON.

The form only turns what was typed into the plain values `save_service` expects;
every rule about a definition is the catalogue's.
"""

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from services.catalog.forms import FILE_TYPES, FieldType
from services.catalog.models import AssetLayer, DelayUnit

FIELD_TYPE_LABELS = {
    FieldType.TEXT: _l("Short text"),
    FieldType.TEXTAREA: _l("Long text"),
    FieldType.NUMBER: _l("Number"),
    FieldType.DATE: _l("Date"),
    FieldType.CHOICE: _l("Choice from a list"),
    FieldType.YES_NO: _l("Yes or no"),
    FieldType.FILE: _l("File"),
    FieldType.LOCATION: _l("Location"),
}
DELAY_UNIT_LABELS = {DelayUnit.WORKING_DAYS: _l("Working days"), DelayUnit.HOURS: _l("Hours")}
ASSET_LAYER_LABELS = {
    AssetLayer.STREET_LIGHT: _l("Street lights"),
    AssetLayer.WASTE_CONTAINER: _l("Waste containers"),
    AssetLayer.BUS_STOP: _l("Bus stops"),
}
FILE_TYPE_LABELS = {"jpeg": "JPEG", "png": "PNG", "pdf": "PDF"}
EMPTY_ROWS = 2  # blank field rows offered for adding fields


def _whole(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value else None


def _number(value: str | None) -> int | float | None:
    value = (value or "").strip().replace(",", ".")
    if not value:
        return None
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return int(number) if number.is_integer() else number


def _or_none(convert, value):
    # An unreadable number already has its message next to its input; the rest is still checked.
    try:
        return convert(value)
    except ValueError:
        return None


def whole_number(form, field) -> None:
    try:
        _whole(field.data)
    except ValueError:
        raise ValidationError(_l("Enter a whole number, like 3.")) from None


def number(form, field) -> None:
    try:
        _number(field.data)
    except ValueError:
        raise ValidationError(_l("Enter a number, like 3 or 12.5.")) from None


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _split(line: str, parts: int) -> list[str]:
    # A line with too few parts leaves the missing ones empty, for the catalogue to refuse.
    pieces = [p.strip() for p in line.split("|", parts - 1)]
    return pieces + [""] * (parts - len(pieces))


def documents_from_text(text: str | None) -> list[dict]:
    return [dict(zip(("ar", "fr"), _split(line, 2), strict=True)) for line in _lines(text)]


def documents_to_text(documents: list[dict]) -> str:
    return "\n".join(f"{d['ar']} | {d['fr']}" for d in documents)


def choices_from_text(text: str | None) -> list[dict]:
    return [dict(zip(("value", "ar", "fr"), _split(line, 3), strict=True)) for line in _lines(text)]


def choices_to_text(choices: list[dict]) -> str:
    return "\n".join(f"{c['value']} | {c['ar']} | {c['fr']}" for c in choices)


def _shown(value) -> str:
    return "" if value is None else str(value)


class FieldRowForm(Form):
    """One field of the service's form; a row left blank is ignored."""

    name = StringField(
        _l("Name"), description=_l("Lower-case letters, digits and underscores, starting with a letter.")
    )
    type = SelectField(
        _l("Type"),
        choices=[SelectChoice(t.value, label) for t, label in FIELD_TYPE_LABELS.items()],
        validate_choice=False,
    )
    label_ar = StringField(_l("Label in Arabic"))
    label_fr = StringField(_l("Label in French"))
    help_ar = StringField(_l("Help text in Arabic"))
    help_fr = StringField(_l("Help text in French"))
    required = BooleanField(_l("An answer is required"))
    min_length = StringField(_l("Minimum length (characters)"), validators=[whole_number])
    max_length = StringField(_l("Maximum length (characters)"), validators=[whole_number])
    min = StringField(_l("Smallest number allowed"), validators=[number])
    max = StringField(_l("Largest number allowed"), validators=[number])
    pattern = StringField(
        _l("Pattern"), description=_l("A regular expression the whole answer must match. Leave empty for none.")
    )
    choices = TextAreaField(
        _l("Choices"),
        description=_l("For a choice from a list: one choice per line, written value | Arabic | French."),
    )
    file_types = CheckboxesField(
        _l("Allowed file types"),
        choices=[SelectChoice(t, FILE_TYPE_LABELS[t]) for t in FILE_TYPES],
        default=list(FILE_TYPES),
        validate_choice=False,
    )
    max_size_mb = StringField(_l("Largest file (MB)"), validators=[whole_number])
    max_files = StringField(_l("Most files"), validators=[whole_number])
    position = StringField(
        _l("Position"), description=_l("Fields are shown in the order of these numbers."), validators=[whole_number]
    )
    remove = BooleanField(_l("Remove this field"))

    TEXT_INPUTS = ("name", "label_ar", "label_fr", "help_ar", "help_fr", "min_length", "max_length", "min", "max")

    def is_blank(self) -> bool:
        return not any((getattr(self, n).data or "").strip() for n in (*self.TEXT_INPUTS, "pattern", "choices"))

    def sort_key(self) -> int | None:
        return _or_none(_whole, self.position.data)

    def to_value(self) -> dict:
        """The field definition as the catalogue reads it; empty inputs are left out."""
        value = {
            "name": (self.name.data or "").strip(),
            "type": self.type.data,
            "label_ar": self.label_ar.data or "",
            "label_fr": self.label_fr.data or "",
            "help_ar": self.help_ar.data or "",
            "help_fr": self.help_fr.data or "",
            "required": bool(self.required.data),
            "min_length": _or_none(_whole, self.min_length.data),
            "max_length": _or_none(_whole, self.max_length.data),
            "min": _or_none(_number, self.min.data),
            "max": _or_none(_number, self.max.data),
            "pattern": self.pattern.data or None,
            "choices": choices_from_text(self.choices.data),
            "max_size_mb": _or_none(_whole, self.max_size_mb.data),
            "max_files": _or_none(_whole, self.max_files.data),
        }
        # File types mean something for file fields only; elsewhere an empty set keeps the default.
        if self.file_types.data or self.type.data == FieldType.FILE.value:
            value["file_types"] = list(self.file_types.data or [])
        return {k: v for k, v in value.items() if v is not None}


def field_row_data(definition: dict, position: int) -> dict:
    """A stored field definition as the row's inputs show it."""
    return {
        "name": definition.get("name", ""),
        "type": definition.get("type", FieldType.TEXT.value),
        "label_ar": definition.get("label_ar", ""),
        "label_fr": definition.get("label_fr", ""),
        "help_ar": definition.get("help_ar", ""),
        "help_fr": definition.get("help_fr", ""),
        "required": bool(definition.get("required")),
        "min_length": _shown(definition.get("min_length")),
        "max_length": _shown(definition.get("max_length")),
        "min": _shown(definition.get("min")),
        "max": _shown(definition.get("max")),
        "pattern": definition.get("pattern") or "",
        "choices": choices_to_text(definition.get("choices", [])),
        "file_types": list(definition.get("file_types", FILE_TYPES)),
        "max_size_mb": _shown(definition.get("max_size_mb")),
        "max_files": _shown(definition.get("max_files")),
        "position": str(position),
    }


def empty_row_data(position: int) -> dict:
    return {"type": FieldType.TEXT.value, "file_types": list(FILE_TYPES), "position": str(position)}


class ServiceForm(FlaskForm):
    code = StringField(_l("Code"), description=_l("Short identifier in the address, e.g. residence-certificate."))
    kind = SelectField(_l("Kind of service"), validate_choice=False)
    department_id = SelectField(_l("Department that handles it"), validate_choice=False)
    is_active = BooleanField(_l("Offered to the public"), default=True)
    name_ar = StringField(_l("Name in Arabic"))
    name_fr = StringField(_l("Name in French"))
    description_ar = TextAreaField(_l("Description in Arabic"))
    description_fr = TextAreaField(_l("Description in French"))
    documents = TextAreaField(
        _l("Documents required"),
        description=_l("One document per line, written Arabic text | French text."),
    )
    fee_mad = StringField(_l("Fee (MAD)"), description=_l("0 when the service is free."), default="0")
    delay_value = StringField(
        _l("Legal maximum processing delay"),
        description=_l("Law 55-19 allows 60 days at most."),
    )
    delay_unit = SelectField(
        _l("Delay counted in"),
        choices=[SelectChoice(u.value, label) for u, label in DELAY_UNIT_LABELS.items()],
        validate_choice=False,
    )
    target_value = StringField(
        _l("Internal target"),
        description=_l(
            "Optional. In the same unit as the legal delay, and no longer than it. Staff see it; citizens do not."
        ),
    )
    location_required = BooleanField(_l("The citizen must say where"))
    asset_layer = SelectField(
        _l("Map layer a request can point at"),
        choices=[SelectChoice("", _l("— None —"))]
        + [SelectChoice(a.value, label) for a, label in ASSET_LAYER_LABELS.items()],
        validate_choice=False,
    )
    fields = FieldList(FormField(FieldRowForm), min_entries=0)

    def definition(self) -> tuple[dict, list[int]]:
        """The definition's plain values, and for each field in it the index of the row it came from."""
        rows = [(i, row.form) for i, row in enumerate(self.fields) if not row.form.remove.data]
        rows = [(i, row) for i, row in rows if not row.is_blank()]
        # Rows without a readable position keep their place after the numbered ones.
        rows.sort(key=lambda item: (item[1].sort_key() is None, item[1].sort_key() or 0, item[0]))
        values = {
            "name_ar": self.name_ar.data or "",
            "name_fr": self.name_fr.data or "",
            "description_ar": self.description_ar.data or "",
            "description_fr": self.description_fr.data or "",
            "documents": documents_from_text(self.documents.data),
            "fee_mad": (self.fee_mad.data or "").strip().replace(",", ".") or "0",
            "delay_value": (self.delay_value.data or "").strip() or None,
            "delay_unit": self.delay_unit.data,
            "target_value": (self.target_value.data or "").strip() or None,
            "location_required": bool(self.location_required.data),
            "asset_layer": self.asset_layer.data or None,
            "fields": [row.to_value() for _, row in rows],
        }
        return values, [i for i, _ in rows]
