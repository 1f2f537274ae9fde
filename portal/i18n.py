"""Locale selection, and the sentences for domain codes and enums (lazy_gettext)."""

from flask import current_app, g, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# Formatting locales: Moroccan variants write Western digits and Moroccan month names.
FORMAT_LOCALES = {"ar": "ar_MA", "fr": "fr_MA"}
LANGUAGE_NAMES = {"ar": "العربية", "fr": "Français"}


def normalise_language(value: str | None) -> str | None:
    value = (value or "").strip().lower()[:2]
    return value if value in current_app.config["LANGUAGES"] else None


def select_language() -> str:
    """The user's saved preference, then the switch cookie, then Accept-Language, then Arabic."""
    if current_user and current_user.is_authenticated:
        chosen = normalise_language(current_user.locale)
        if chosen:
            return chosen
    chosen = normalise_language(request.cookies.get(current_app.config["LOCALE_COOKIE_NAME"]))
    if chosen:
        return chosen
    best = request.accept_languages.best_match(current_app.config["LANGUAGES"])
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_locale() -> str:
    """Flask-Babel's locale selector (cached per request)."""
    if "language" not in g:
        g.language = select_language()
    return FORMAT_LOCALES[g.language]


def current_language() -> str:
    return str(get_locale()).split("_")[0]


def text_direction() -> str:
    return "rtl" if current_language() == "ar" else "ltr"


def localized(obj, attribute: str = "name") -> str:
    """The Arabic or French value of a bilingual field (name_ar / name_fr)."""
    language = current_language()
    value = getattr(obj, f"{attribute}_{language}", None)
    return value or getattr(obj, f"{attribute}_fr" if language == "ar" else f"{attribute}_ar", "")


ROLE_LABELS = {
    "citizen": _l("Citizen"),
    "agent": _l("Agent"),
    "supervisor": _l("Head of department"),
    "mayor_office": _l("Mayor's office"),
    "admin": _l("Administrator"),
}

KIND_LABELS = {
    "certificate": _l("Certificate"),
    "complaint": _l("Complaint or suggestion"),
    "request": _l("Request"),
    "report": _l("Report a problem"),
}

# The workflow's states, as the citizen and staff read them.
STATUS_LABELS = {
    "pending_confirmation": _l("Waiting for your confirmation"),
    "new": _l("Received"),
    "acknowledged": _l("Acknowledged"),
    "assigned": _l("Assigned to an agent"),
    "in_progress": _l("In progress"),
    "waiting_citizen": _l("Waiting for a document from you"),
    "resolved": _l("Resolved"),
    "approved": _l("Approved, document issued"),
    "rejected": _l("Rejected"),
    "closed": _l("Closed"),
    "duplicate": _l("Closed as a duplicate"),
}


def status_label(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


# Sentences for the codes that services/ raise. Parameters come from the error.
ERROR_MESSAGES = {
    "error": _l("Something went wrong. Please try again."),
    "not_found": _l("This page or item does not exist."),
    "not_allowed": _l("You are not allowed to do this."),
    "invalid": _l("The information you entered is not valid."),
    "conflict": _l("This item was changed by someone else. Please reload and try again."),
    "email_invalid": _l("Enter a valid email address, like name@example.com."),
    "email_taken": _l("An account already exists with this email address."),
    "cnie_invalid": _l("Enter your CNIE number as on your card: one or two letters then digits, like AB123456."),
    "cnie_taken": _l("An account already exists with this CNIE number."),
    "phone_invalid": _l("Enter a valid phone number, like 06 12 34 56 78."),
    "name_required": _l("Enter your full name."),
    "name_too_long": _l("Your name must be %(max)s characters or fewer."),
    "name_invalid": _l("Your name contains characters that are not allowed."),
    "password_too_short": _l("Your password must be at least %(min)s characters long."),
    "password_too_long": _l("Your password must be %(max)s characters or fewer."),
    "password_too_weak": _l("This password is too easy to guess. Choose a longer or less repetitive one."),
    "password_unchanged": _l("The new password must be different from the current one."),
    "current_password_wrong": _l("Your current password is not correct."),
    "bad_credentials": _l("The email address or password is not correct."),
    "account_inactive": _l("This account has been deactivated. Contact the commune."),
    "locale_unknown": _l("Choose Arabic or French."),
    "role_unknown": _l("Choose a role from the list."),
    "department_required": _l("Agents and heads of department must belong to a department."),
    "department_unknown": _l("Choose an active department from the list."),
    "department_not_found": _l("This department does not exist."),
    "department_code_invalid": _l("Use lower-case letters, digits and hyphens for the code."),
    "department_code_taken": _l("Another department already uses this code."),
    "department_has_staff": _l("This department still has %(count)s active staff members. Move them first."),
    "name_ar_required": _l("Enter the name in Arabic."),
    "name_fr_required": _l("Enter the name in French."),
    "user_not_found": _l("This user does not exist."),
    "cannot_demote_self": _l("You cannot remove your own administrator role or deactivate yourself."),
    "citizen_role_fixed": _l("Citizen accounts stay citizen accounts; create a separate staff account."),
    "population_negative": _l("The population cannot be negative."),
    "district_geometry_invalid": _l("The district boundary is not a valid polygon."),
    "service_not_found": _l("This e-service does not exist or is no longer offered."),
    "service_code_invalid": _l("Use lower-case letters, digits and hyphens for the code."),
    "service_kind_unknown": _l("Choose the kind of service from the list."),
    "text_too_long": _l("This text must be %(max)s characters or fewer."),
    "fee_invalid": _l("Enter the fee in dirhams, for example 0 or 20.50."),
    "delay_invalid": _l("Enter the legal deadline as a whole number."),
    "delay_beyond_law": _l("The legal deadline must be between 1 and %(max)s: Law 55-19 allows 60 days at most."),
    "documents_need_both_languages": _l("Give each required document in Arabic and in French."),
    "asset_layer_unknown": _l("Choose a map layer from the list."),
    "field_malformed": _l("Form field %(position)s is not readable."),
    "field_name_invalid": _l("Form field %(position)s needs a name of lower-case letters, digits and underscores."),
    "field_type_unknown": _l("Form field %(position)s has an unknown type."),
    "field_label_required": _l("Form field %(position)s needs a label in Arabic and in French."),
    "field_choices_required": _l("Form field %(position)s needs at least two different choices."),
    "field_pattern_invalid": _l("The pattern of form field %(position)s is not a valid regular expression."),
    "field_range_invalid": _l("The minimum of form field %(position)s is greater than its maximum."),
    "field_file_types_invalid": _l("Form field %(position)s accepts only JPEG, PNG and PDF files."),
    "field_file_limits_invalid": _l("Form field %(position)s allows 1 to 5 files of 1 to 10 MB."),
    "field_name_duplicate": _l("Two form fields have the same name."),
}


def error_message(code: str, **params) -> str:
    message = ERROR_MESSAGES.get(code, ERROR_MESSAGES["error"])
    try:
        return str(message) % params if params else str(message)
    except (KeyError, TypeError, ValueError):
        return str(message)
