"""Citizen-side forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    MultipleFileField,
    PasswordField,
    RadioField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional


class CatalogueSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = SearchField(_l("Search for a service"), validators=[Optional(), Length(max=100)])
    department = SelectField(_l("Department"), validators=[Optional()], validate_choice=True)


class LookupForm(FlaskForm):
    number = StringField(
        _l("Tracking number"),
        description=_l("As printed on your receipt, for example BRK-2026-000123-7."),
        render_kw={"dir": "ltr", "autocomplete": "off", "spellcheck": "false"},
    )
    secret = StringField(
        _l("Secret code"),
        description=_l("The ten-character code printed on your receipt, under the tracking number."),
        render_kw={"dir": "ltr", "autocomplete": "off", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Follow my request"))


class ConfirmForm(FlaskForm):
    submit = SubmitField(_l("Confirm my email address"))


class DocumentForm(FlaskForm):
    note = TextAreaField(
        _l("Your answer"), description=_l("Explain what you send, or answer the question."), render_kw={"rows": 4}
    )
    files = MultipleFileField(
        _l("Documents (optional)"),
        description=_l("JPEG, PNG or PDF, 10 MB at most each, up to 3 files."),
        render_kw={"accept": "image/jpeg,image/png,application/pdf"},
    )
    submit = SubmitField(_l("Send my answer"))


class RatingForm(FlaskForm):
    rating = RadioField(
        _l("How satisfied are you with the outcome?"),
        choices=[
            SelectChoice("5", _l("5 – Very satisfied")),
            SelectChoice("4", _l("4 – Satisfied")),
            SelectChoice("3", _l("3 – Neither satisfied nor dissatisfied")),
            SelectChoice("2", _l("2 – Dissatisfied")),
            SelectChoice("1", _l("1 – Very dissatisfied")),
        ],
        validate_choice=False,
    )
    comment = TextAreaField(_l("Comment (optional)"), render_kw={"rows": 3, "maxlength": 2000})
    submit = SubmitField(_l("Send my rating"))


class ReopenForm(FlaskForm):
    reason = TextAreaField(
        _l("Why is the problem not solved?"),
        description=_l("You can reopen a request within 7 days of its resolution."),
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Reopen my request"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        description=_l("To be sure it is you."),
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Delete my account"))
