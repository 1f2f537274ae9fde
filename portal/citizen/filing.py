"""The filing form of a service version, built from its typed field definitions.

WTForms renders the fields and checks the CSRF token; the answers themselves are
checked by services.requests.answers, the single place that knows the rules.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
)

from portal.i18n import localized
from services.catalog.forms import FieldDef, FieldType, parse_fields
from services.requests.answers import NO, YES, part
from services.requests.uploads import MEDIA_TYPES

RADIO_MAX = 5  # up to this many choices show as radio buttons, more as a list


class FilingForm(FlaskForm):
    idempotency_key = HiddenField()
    submit = SubmitField()


def _label(text: str, required: bool) -> str:
    return text if required else _("%(label)s (optional)", label=text)


def _describe(f: FieldDef, lang: str) -> str:
    hint = getattr(f, f"help_{lang}") or ""
    if f.type is FieldType.FILE:
        types = ", ".join(t.upper() for t in f.file_types)
        limits = _(
            "%(types)s, %(mb)s MB at most each, up to %(count)s files.",
            types=types,
            mb=f.max_size_mb,
            count=f.max_files,
        )
        hint = f"{hint} {limits}".strip()
    if f.type is FieldType.DATE:
        hint = f"{hint} {_('For example 2026-03-27 (year-month-day).')}".strip()
    return hint


# Services about a specific asset ask for the reference code printed on it (the way to point at it without a map).
ASSET_CODE_LABELS = {
    "street_light": (_l("Reference code on the pole (optional)"), "BRK-L-000123"),
    "waste_container": (_l("Reference code on the container (optional)"), "BRK-C-00042"),
    "bus_stop": (_l("Code on the bus stop's sign (optional)"), "012"),
}


def build_form(version, lang: str, districts, *, anonymous: bool) -> tuple[FlaskForm, list[dict]]:
    """The form instance, and the layout the template walks (field definitions with their WTForms names)."""
    fields = parse_fields(version.fields)
    attrs, layout = {}, []
    for f in fields:
        label = _label(getattr(f, f"label_{lang}"), f.required)
        description = _describe(f, lang)
        if f.type is FieldType.TEXT:
            attrs[f.name] = StringField(label, description=description, render_kw={"maxlength": f.max_length or 200})
        elif f.type is FieldType.TEXTAREA:
            attrs[f.name] = TextAreaField(
                label, description=description, render_kw={"rows": 5, "maxlength": f.max_length or 4000}
            )
        elif f.type is FieldType.NUMBER:
            attrs[f.name] = StringField(
                label, description=description, render_kw={"inputmode": "decimal", "dir": "ltr"}
            )
        elif f.type is FieldType.DATE:
            attrs[f.name] = StringField(label, description=description, render_kw={"type": "date", "dir": "ltr"})
        elif f.type is FieldType.CHOICE:
            choices = [SelectChoice(c.value, getattr(c, lang)) for c in f.choices]
            if len(choices) <= RADIO_MAX:
                attrs[f.name] = RadioField(label, description=description, choices=choices, validate_choice=False)
            else:
                attrs[f.name] = SelectField(
                    label,
                    description=description,
                    choices=[SelectChoice("", _("Choose…")), *choices],
                    validate_choice=False,
                )
        elif f.type is FieldType.YES_NO:
            attrs[f.name] = RadioField(
                label,
                description=description,
                choices=[SelectChoice(YES, _("Yes")), SelectChoice(NO, _("No"))],
                validate_choice=False,
            )
        elif f.type is FieldType.FILE:
            accept = ",".join(MEDIA_TYPES[t] for t in f.file_types)
            attrs[f.name] = MultipleFileField(label, description=description, render_kw={"accept": accept})
        elif f.type is FieldType.LOCATION:
            district_choices = [SelectChoice("", _("Choose a district…"))] + [
                SelectChoice(str(d.id), localized(d)) for d in sorted(districts, key=localized)
            ]
            attrs[part(f.name, "district")] = SelectField(
                _("District"), choices=district_choices, validate_choice=False
            )
            attrs[part(f.name, "address")] = StringField(
                _("Address or landmark"),
                description=_("Street and number, or a place everyone knows nearby."),
                render_kw={"maxlength": 300, "autocomplete": "street-address"},
            )
            attrs[part(f.name, "lat")] = HiddenField()
            attrs[part(f.name, "lon")] = HiddenField()
            if version.asset_layer in ASSET_CODE_LABELS:
                label_text, example = ASSET_CODE_LABELS[version.asset_layer]
                attrs[part(f.name, "asset")] = StringField(
                    label_text,
                    description=_(
                        "Printed on it, for example %(example)s. With the code, district and address are optional.",
                        example=example,
                    ),
                    render_kw={"maxlength": 40, "dir": "ltr", "autocapitalize": "characters", "spellcheck": "false"},
                )
        layout.append({"def": f, "label": label, "description": description})
    if anonymous:
        attrs["contact_email"] = EmailField(
            _("Your email address"),
            description=_("We send you a link to confirm it: your report is handled once you have confirmed."),
            render_kw={"autocomplete": "email", "dir": "ltr"},
        )
        attrs["contact_phone"] = TelField(
            _("Your phone number (optional)"), render_kw={"autocomplete": "tel", "dir": "ltr"}
        )
    form_class = type("ServiceFilingForm", (FilingForm,), attrs)
    form = form_class()  # Flask-WTF reads the submitted form and files itself
    for f in fields:
        if f.required:
            names = [part(f.name, "district"), part(f.name, "address")] if f.type is FieldType.LOCATION else [f.name]
            for name in names:
                form[name].flags.required = True
    if anonymous:
        form.contact_email.flags.required = True
    form.submit.label.text = _("Send my request")
    return form, layout
