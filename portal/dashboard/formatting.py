"""How a dashboard cell reads in the page's language (exports keep the raw value)."""

from datetime import date
from functools import lru_cache

from babel.numbers import format_decimal, format_percent
from flask_babel import format_date, get_locale

from .tables import Column

_NUMBERS = ("count", "percent", "decimal", "days")


def cell(value, column: Column) -> str:
    if value is None or value == "":
        return "–"
    if column.kind in _NUMBERS:
        # A page shows thousands of numbers, many of them alike: each is formatted once per language.
        return _number(str(get_locale()), column.kind, column.digits, value)
    if column.kind == "date" and isinstance(value, date):
        return format_date(value, "medium")
    return str(value)


@lru_cache(maxsize=16_384)
def _number(locale: str, kind: str, digits: int, value: float) -> str:
    decimals = "." + "0" * digits if digits else ""
    if kind == "count":
        return format_decimal(value, locale=locale)
    if kind == "percent":
        return format_percent(value, "#,##0" + decimals + "%", locale=locale)
    return format_decimal(value, "#,##0" + decimals, locale=locale)
