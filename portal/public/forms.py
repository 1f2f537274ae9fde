"""The language switcher form present on every page."""

from flask_wtf import FlaskForm
from wtforms import HiddenField


class LanguageForm(FlaskForm):
    next = HiddenField()
