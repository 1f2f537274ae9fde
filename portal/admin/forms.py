"""Back-office forms for users, departments, response templates and decreed holidays."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import DateInput

from portal.auth.forms import REQUIRED
from portal.i18n import ROLE_LABELS

# What a response template is for, as the administrator chooses it.
TEMPLATE_KIND_LABELS = {
    "rejection": _l("Reason for a rejection"),
    "message": _l("Message to the citizen"),
    "appeal": _l("Statement of the appeal route"),
}


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Name or email"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), validators=[Optional()])


class UserForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    role = SelectField(_l("Role"), validators=[DataRequired(REQUIRED)])
    department_id = SelectField(
        _l("Department"),
        coerce=_optional_int,
        description=_l("Required for agents and heads of department; leave empty for the other roles."),
        validate_choice=False,
    )


class NewUserForm(UserForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(
        _l("Temporary password"),
        description=_l("At least 10 characters. Give it to the person, who should change it at first sign-in."),
        validators=[DataRequired(REQUIRED), Length(max=256)],
    )


class EditUserForm(UserForm):
    is_active = BooleanField(_l("Account active"))


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(
        _l("New password"),
        description=_l("The person will be signed out everywhere."),
        validators=[DataRequired(REQUIRED), Length(max=256)],
    )


class DepartmentForm(FlaskForm):
    code = StringField(
        _l("Code"), description=_l("Short identifier, e.g. public-lighting."), validators=[DataRequired(REQUIRED)]
    )
    name_ar = StringField(_l("Name in Arabic"), validators=[DataRequired(REQUIRED), Length(max=200)])
    name_fr = StringField(_l("Name in French"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(_l("Department email"), validators=[Optional(), Length(max=254)])
    is_active = BooleanField(_l("Active"), default=True)


class TemplateFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    kind = SelectField(_l("Used for"), validators=[Optional()])


class TemplateForm(FlaskForm):
    """The inputs as typed; the casework service judges them all at once."""

    kind = SelectField(_l("Used for"), validate_choice=False)
    department_id = SelectField(
        _l("Department"),
        description=_l(
            "Choose “All departments” for a text every department may use. "
            "A department's own statement of the appeal route replaces the commune-wide one in its decisions."
        ),
        validate_choice=False,
    )
    title_ar = StringField(_l("Title in Arabic"), description=_l("What staff see in the list of templates."))
    title_fr = StringField(_l("Title in French"), description=_l("What staff see in the list of templates."))
    body_ar = TextAreaField(
        _l("Text in Arabic"), description=_l("The citizen reads the text in their language."), render_kw={"rows": 8}
    )
    body_fr = TextAreaField(
        _l("Text in French"), description=_l("The citizen reads the text in their language."), render_kw={"rows": 8}
    )
    is_active = BooleanField(
        _l("Offered to staff"),
        description=_l("Untick to withdraw the template: decisions that already quoted it keep their text."),
        default=True,
    )


class HolidayForm(FlaskForm):
    """A day off declared by decree; the requests service checks the date and the texts."""

    day = StringField(
        _l("Date"),
        widget=DateInput(),
        description=_l("A weekend or a day that is already a public holiday moves no deadline."),
    )
    name_ar = StringField(_l("Name in Arabic"))
    name_fr = StringField(_l("Name in French"))
    decree = StringField(
        _l("Decree or communiqué"),
        description=_l("Its reference in the Bulletin officiel, or the date of the Ministry's communiqué."),
    )


def role_choices(*, include_citizen: bool) -> list[SelectChoice]:
    return [
        SelectChoice(value, str(label)) for value, label in ROLE_LABELS.items() if include_citizen or value != "citizen"
    ]
