"""Citizen-side forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField
from wtforms.validators import Length, Optional


class CatalogueSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = SearchField(_l("Search for a service"), validators=[Optional(), Length(max=100)])
    department = SelectField(_l("Department"), validators=[Optional()], validate_choice=True)
