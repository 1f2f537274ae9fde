"""The forms of the request detail page: one small form per action.

The app-wide CSRFProtect checks the token on every POST and the page puts it in each form, so these forms do
not validate a token of their own. Each form has a prefix: a page holds a dozen of them, and their fields need
distinct names and ids. The request's `row_version` travels in a plain hidden `seen_version` input. Required
texts and lengths are checked by the service layer, whose messages the catalogs translate.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, MultipleFileField, SelectField, SubmitField, TextAreaField

from services.casework.actions import PHOTO_MAX_FILES, PHOTO_MAX_MB
from services.workflow.transitions import NOTE_MAX


class CaseworkForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect checks the page-wide token on every POST

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.PREFIX)
        super().__init__(*args, **kwargs)

    PREFIX = ""


class AcknowledgeForm(CaseworkForm):
    PREFIX = "acknowledge"
    submit = SubmitField(_l("Acknowledge receipt"))


class StartForm(CaseworkForm):
    PREFIX = "start"
    submit = SubmitField(_l("Start work"))


class CloseForm(CaseworkForm):
    PREFIX = "close"
    submit = SubmitField(_l("Close the request"))


class NoActionForm(CaseworkForm):
    PREFIX = "no_action"
    note = TextAreaField(
        _l("Why nothing will be done"),
        description=_l(
            "For example: nothing was found on site, it is not the commune's competence, or the citizen cannot be "
            "reached. The citizen reads this. The request counts as closed without action, not as resolved."
        ),
        render_kw={"rows": 3, "maxlength": NOTE_MAX},
    )
    submit = SubmitField(_l("Close without action"))


class ApproveForm(CaseworkForm):
    PREFIX = "approve"
    submit = SubmitField(_l("Approve and issue the certificate"))


class AssignForm(CaseworkForm):
    PREFIX = "assign"
    assignee = SelectField(_l("Assign to"), validate_choice=False)
    submit = SubmitField(_l("Assign"))


class DocumentForm(CaseworkForm):
    PREFIX = "document"
    note = TextAreaField(
        _l("Missing document"),
        description=_l(
            "Name everything that is missing, in one go: the law allows asking the citizen only once per request."
        ),
        render_kw={"rows": 3, "maxlength": NOTE_MAX},
    )
    submit = SubmitField(_l("Ask the citizen for it"))


class ResolveForm(CaseworkForm):
    PREFIX = "resolve"
    note = TextAreaField(
        _l("What was done (optional)"),
        description=_l("The citizen reads it."),
        render_kw={"rows": 3, "maxlength": NOTE_MAX},
    )
    photos = MultipleFileField(
        _l("Photos of the work done (optional)"),
        description=_l("JPEG or PNG, %(mb)s MB at most each, up to %(n)s photos.", mb=PHOTO_MAX_MB, n=PHOTO_MAX_FILES),
        render_kw={"accept": "image/jpeg,image/png"},
    )
    submit = SubmitField(_l("Mark as resolved"))


class RejectForm(CaseworkForm):
    PREFIX = "reject"
    template = SelectField(_l("Reason from a template"), validate_choice=False)
    reason = TextAreaField(
        _l("Reason in your own words"),
        description=_l("A template, your own words, or both: the citizen reads the template first, then your text."),
        render_kw={"rows": 4, "maxlength": NOTE_MAX},
    )
    submit = SubmitField(_l("Reject the request"))


class RerouteForm(CaseworkForm):
    PREFIX = "reroute"
    department = SelectField(_l("Department that should handle it"), validate_choice=False)
    reason = TextAreaField(_l("Why it goes there"), render_kw={"rows": 3, "maxlength": NOTE_MAX})
    tell_citizen = BooleanField(_l("Tell the citizen"), default=True)
    submit = SubmitField(_l("Send to this department"))


class MergeForm(CaseworkForm):
    PREFIX = "merge"
    master = HiddenField()


class MessageForm(CaseworkForm):
    PREFIX = "message"
    template = SelectField(_l("Start from a template (optional)"), validate_choice=False)
    body = TextAreaField(
        _l("Message"),
        description=_l("The citizen reads it on the request's page and receives it by email."),
        render_kw={"rows": 5, "maxlength": NOTE_MAX},
    )
    # Set by staff.js when it has copied the template's text into the message: the text then is the whole message.
    inserted = HiddenField()
    submit = SubmitField(_l("Send the message"))


class NoteForm(CaseworkForm):
    PREFIX = "note"
    body = TextAreaField(
        _l("Internal note"),
        description=_l("Only the staff of the department read it; the citizen never does."),
        render_kw={"rows": 3, "maxlength": NOTE_MAX},
    )
    submit = SubmitField(_l("Add the note"))
