"""Back-office forms for users and departments."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.auth.forms import REQUIRED
from portal.i18n import ROLE_LABELS


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


def role_choices(*, include_citizen: bool) -> list[SelectChoice]:
    return [
        SelectChoice(value, str(label)) for value, label in ROLE_LABELS.items() if include_citizen or value != "citizen"
    ]
