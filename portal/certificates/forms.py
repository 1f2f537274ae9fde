"""Forms of the public verification page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

UPLOAD_MAX_MB = 5


class CodeForm(FlaskForm):
    class Meta:
        csrf = False  # a GET lookup changes nothing

    code = StringField(
        _l("Verification code"),
        description=_l("The ten characters printed under the QR code, for example 7K2QD-M9XWA."),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"dir": "ltr", "autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )
    submit = SubmitField(_l("Check the code"))


class UploadForm(FlaskForm):
    document = FileField(
        _l("Certificate (PDF)"),
        description=_l(
            "The PDF file exactly as it was downloaded from the portal, %(max)s MB at most.", max=UPLOAD_MAX_MB
        ),
        validators=[
            FileRequired(_l("Choose the PDF file to check.")),
            FileSize(UPLOAD_MAX_MB * 1024 * 1024, message=_l("This file is too large to be a certificate.")),
        ],
        render_kw={"accept": "application/pdf"},
    )
    submit = SubmitField(_l("Check the file"))
