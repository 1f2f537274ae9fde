"""Sign-in, registration and account forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectChoice, StringField, TelField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

REQUIRED = _l("This field is required.")


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in on this device for 14 days"))


class RegisterForm(FlaskForm):
    full_name = StringField(
        _l("Full name"),
        description=_l("As written on your national identity card."),
        validators=[DataRequired(REQUIRED), Length(max=120)],
    )
    email = EmailField(_l("Email address"), validators=[DataRequired(REQUIRED), Length(max=254)])
    phone = TelField(
        _l("Mobile phone number"),
        description=_l("For example 06 12 34 56 78. We send updates about your requests to it."),
        validators=[DataRequired(REQUIRED), Length(max=30)],
    )
    cnie = StringField(
        _l("CNIE number"),
        description=_l("The number of your national electronic identity card, for example AB123456."),
        validators=[DataRequired(REQUIRED), Length(max=20)],
    )
    password = PasswordField(
        _l("Password"),
        description=_l("At least 10 characters. A short sentence is easy to remember and hard to guess."),
        validators=[DataRequired(REQUIRED), Length(max=256)],
    )
    confirm = PasswordField(
        _l("Confirm password"),
        validators=[DataRequired(REQUIRED), EqualTo("password", message=_l("The two passwords do not match."))],
    )
    consent = BooleanField(
        _l("I agree that the commune processes my personal data to handle my requests, under Law 09-08."),
        validators=[InputRequired(_l("You must agree to the processing of your data to create an account."))],
    )


class ProfileForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    phone = TelField(_l("Mobile phone number"), validators=[Length(max=30)])
    language = RadioField(
        _l("Language of the portal and of our messages"),
        choices=[SelectChoice("ar", "العربية", {"lang": "ar"}), SelectChoice("fr", "Français", {"lang": "fr"})],
        validators=[DataRequired(REQUIRED)],
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
    new_password = PasswordField(
        _l("New password"),
        description=_l("At least 10 characters. You will stay signed in here and be signed out everywhere else."),
        validators=[DataRequired(REQUIRED), Length(max=256)],
    )
    confirm = PasswordField(
        _l("Confirm new password"),
        validators=[DataRequired(REQUIRED), EqualTo("new_password", message=_l("The two passwords do not match."))],
    )


class LogoutForm(FlaskForm):
    """Sign-out is a POST with a CSRF token, so no other site can sign people out."""
