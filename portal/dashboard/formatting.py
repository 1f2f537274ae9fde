"""How a dashboard cell reads in the page's language (exports keep the raw value)."""

from datetime import date

from flask_babel import format_date, format_decimal, format_number, format_percent

from .tables import Column


def cell(value, column: Column) -> str:
    if value is None or value == "":
        return "–"
    if column.kind == "count":
        return format_number(value)
    if column.kind == "percent":
        return format_percent(value, "#,##0" + ("." + "0" * column.digits if column.digits else "") + "%")
    if column.kind in ("decimal", "days"):
        pattern = "#,##0" + ("." + "0" * column.digits if column.digits else "")
        return format_decimal(value, pattern)
    if column.kind == "date" and isinstance(value, date):
        return format_date(value, "medium")
    return str(value)
