"""Normalise and check what people type about themselves."""

import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from services.errors import Invalid

# CNIE numbers: one or two Latin letters (the issuing region) followed by digits,
# e.g. "A123456" or "AB123456". Lower case and inner spaces are tolerated on input.
_CNIE = re.compile(r"^[A-Z]{1,2}[0-9]{1,6}$")
_CNIE_MIN_LEN = 5

PASSWORD_MIN = 10
PASSWORD_MAX = 128
NAME_MAX = 120


def normalise_email(value: str) -> str:
    try:
        info = validate_email((value or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid("email_invalid", field="email") from exc
    return info.normalized.lower()


def normalise_cnie(value: str) -> str:
    cnie = re.sub(r"\s+", "", (value or "")).upper()
    if len(cnie) < _CNIE_MIN_LEN or not _CNIE.fullmatch(cnie):
        raise Invalid("cnie_invalid", field="cnie")
    return cnie


def normalise_phone(value: str) -> str:
    """A Moroccan number (or an international one with its +prefix), as E.164."""
    try:
        number = phonenumbers.parse((value or "").strip(), "MA")
    except phonenumbers.NumberParseException as exc:
        raise Invalid("phone_invalid", field="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise Invalid("phone_invalid", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_name(value: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", value or "").split())
    if len(name) < 2:
        raise Invalid("name_required", field="full_name")
    if len(name) > NAME_MAX:
        raise Invalid("name_too_long", field="full_name", max=NAME_MAX)
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise Invalid("name_invalid", field="full_name")
    return name


def check_password(password: str, *, email: str | None = None) -> None:
    """Length rules as NIST SP 800-63B advises, no composition rules."""
    password = password or ""
    if len(password) < PASSWORD_MIN:
        raise Invalid("password_too_short", field="password", min=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        raise Invalid("password_too_long", field="password", max=PASSWORD_MAX)
    if len(set(password)) < 4 or (email and password.lower() == email.lower()):
        raise Invalid("password_too_weak", field="password")
