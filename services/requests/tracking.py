"""Tracking numbers (BRK-2026-000123-7) and the lookup secret printed on receipts.

The last digit is a Damm check digit over year and sequence: it catches every
single mistyped digit and every swap of two adjacent digits.
"""

import hashlib
import hmac
import re
import secrets

from sqlalchemy import update
from sqlalchemy.orm import Session
from stdnum import damm

from services.requests.models import TrackingCounter

PREFIX = "BRK"
_LOOSE = re.compile(r"^\s*BRK[\s-]*(\d{4})[\s-]*(\d{6})[\s-]*(\d)\s*$", re.IGNORECASE)
# Crockford's base 32 without look-alikes (no I, L, O, U): easy to read off paper and type.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SECRET_LENGTH = 10


def format_number(year: int, sequence: int) -> str:
    digits = f"{year:04d}{sequence:06d}"
    return f"{PREFIX}-{year:04d}-{sequence:06d}-{damm.calc_check_digit(digits)}"


def parse_number(text: str) -> str | None:
    """The canonical number for what someone typed, or None when it is malformed or its check digit is wrong."""
    match = _LOOSE.match(text or "")
    if not match:
        return None
    year, sequence, check = match.groups()
    if not damm.is_valid(year + sequence + check):
        return None
    return f"{PREFIX}-{year}-{sequence}-{check}"


def next_sequence(session: Session, year: int) -> int:
    """The next number of the year; the row update serialises concurrent filings."""
    if session.get(TrackingCounter, year) is None:
        session.add(TrackingCounter(year=year, last=0))
        session.flush()
    return session.scalar(
        update(TrackingCounter)
        .where(TrackingCounter.year == year)
        .values(last=TrackingCounter.last + 1)
        .returning(TrackingCounter.last)
    )


def new_salt() -> str:
    return secrets.token_hex(16)


def access_secret(key: bytes, tracking_number: str, salt: str) -> str:
    """The receipt's secret: derived, never stored, so a copy of the database cannot open requests."""
    digest = hmac.new(key, f"{tracking_number}:{salt}".encode(), hashlib.sha256).digest()
    value = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(SECRET_LENGTH):
        value, index = divmod(value, 32)
        chars.append(_ALPHABET[index])
    return "".join(chars)


def normalise_secret(text: str) -> str:
    """What someone typed, read the way Crockford's alphabet intends (O is 0, I and L are 1)."""
    cleaned = re.sub(r"[\s-]", "", text or "").upper()
    return cleaned.translate(str.maketrans("OIL", "011"))


def secret_matches(key: bytes, tracking_number: str, salt: str, typed: str) -> bool:
    return hmac.compare_digest(access_secret(key, tracking_number, salt), normalise_secret(typed))


def format_secret(secret: str) -> str:
    """Grouped for reading aloud: ABCDE-FGHJK."""
    return f"{secret[:5]}-{secret[5:]}"
