"""Downloads of dashboard tables, with the filters of the page they come from: CSV, XLSX and JSON.

Every format carries the table's raw values, so a figure reads the same in all three and on the page:
counts as integers, decimals unrounded, dates in ISO form (real dates in XLSX), and a percent as a fraction of 1
(0.25 for 25 %). The CSV says so in the column's header; the XLSX shows it as a percentage through the cell's
number format, the value underneath staying the fraction.

The CSV is a pure table for programs as much as for spreadsheets: one header row of the column labels in the
reader's language, the rows, then the totals row when the table has one; UTF-8 with a byte order mark, which is
what makes Excel read Arabic right. What the figures cover (period, district, department) is in the file's name;
the XLSX also spells it out, with the caption and the note, on a second sheet.
"""

import csv
import io
import json
import re
from datetime import date, datetime
from decimal import Decimal

from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from gis.districts.models import District
from portal.extensions import db
from portal.i18n import current_language
from services.accounts.models import Department
from services.stats.scope import Scope

from .tables import Column, DataTable, cell_text

FORMATS = ("csv", "xlsx", "json")
FORMAT_LABELS = {"csv": "CSV", "xlsx": "Excel (XLSX)", "json": "JSON"}
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): such text gets a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NOT_IN_NAMES = re.compile(r"[^A-Za-z0-9_-]+")
_NOT_IN_SHEET_TITLES = re.compile(r"[\[\]:*?/\\]")
_WIDTH_MIN, _WIDTH_MAX = 8, 60


def respond(table: DataTable, fmt: str, scope: Scope, slug: str) -> Response:
    body = {"csv": _csv, "xlsx": _xlsx, "json": _json}[fmt](table, scope)
    response = Response(body, mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(slug, table, scope, fmt)}"'
    # Figures a head of department may see only for their own department: never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def filename(slug: str, table: DataTable, scope: Scope, ext: str) -> str:
    """berkane-<section>-<table>-<start>-<end>[-<district code>][-<department code>].<ext>"""
    parts = ["berkane", slug, table.name, scope.period.start.isoformat(), scope.period.end.isoformat()]
    for model, key in ((District, scope.district_id), (Department, scope.department_id)):
        if key is not None:
            item = db.session.get(model, key)
            parts.append(_NOT_IN_NAMES.sub("-", item.code).strip("-") if item is not None else str(key))
    return "-".join(parts) + f".{ext}"


def header(column: Column) -> str:
    """A column's label as a CSV header: a percent column says its values are fractions."""
    if column.kind == "percent":
        return _("%(label)s (as a fraction of 1)", label=column.label)
    return str(column.label)


def _rows(table: DataTable) -> list[dict]:
    return [*table.rows, table.footer] if table.footer and table.rows else list(table.rows)


def _json(table: DataTable, scope: Scope) -> str:
    body = {
        "caption": str(table.caption),
        "period": {"start": scope.period.start.isoformat(), "end": scope.period.end.isoformat()},
        "district_id": scope.district_id,
        "department_id": scope.department_id,
        "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in table.columns],
        "rows": [{k: _plain(cell_text(v)) for k, v in row.items()} for row in table.rows],
        "footer": {k: _plain(cell_text(v)) for k, v in table.footer.items()} if table.footer else None,
        "note": str(table.note) if table.note else None,
    }
    return json.dumps(body, ensure_ascii=False)


def _plain(value):
    """Decimals as JSON numbers; lazy strings as text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _csv(table: DataTable, scope: Scope) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header(c) for c in table.columns])
    for row in _rows(table):
        writer.writerow([_csv_cell(row.get(c.key), c) for c in table.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(value, column: Column):
    value = cell_text(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    if not isinstance(value, (str, int, float, Decimal)):
        return str(value)
    return value


def _number_format(column: Column) -> str | None:
    decimals = "." + "0" * column.digits if column.digits else ""
    if column.kind == "count":
        return "#,##0"
    if column.kind == "percent":
        return f"0{decimals}%"
    if column.kind in ("decimal", "days"):
        return f"#,##0{decimals}"
    if column.kind == "date":
        return "yyyy-mm-dd"
    return None


def _xlsx_value(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones
    if value is None or isinstance(value, (int, float, date, str)):
        return value
    return str(value)


def _xlsx(table: DataTable, scope: Scope) -> bytes:
    from .routes import scope_sentence  # the routes import this module

    right_to_left = current_language() == "ar"
    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_title(str(table.caption)) or table.name[:31]
    sheet.sheet_view.rightToLeft = right_to_left
    bold = Font(bold=True)
    widths = [len(str(c.label)) for c in table.columns]

    for index, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=1, column=index, value=str(column.label))
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    rows = _rows(table)
    for r, row in enumerate(rows, start=2):
        is_footer = table.footer is not None and row is table.footer
        for index, column in enumerate(table.columns, start=1):
            value = _xlsx_value(row.get(column.key))
            cell = sheet.cell(row=r, column=index, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text that starts with "=" stays text, never a formula
            number_format = _number_format(column)
            if number_format and not isinstance(value, str):
                cell.number_format = number_format
            if is_footer:
                cell.font = bold
            widths[index - 1] = max(widths[index - 1], _shown_width(value, column))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, _WIDTH_MIN), _WIDTH_MAX)
    sheet.freeze_panes = "A2"
    if table.rows:
        # The filter buttons sort and pick the rows only, the totals row staying last.
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"

    about = book.create_sheet(_sheet_title(_("About this table")))
    about.sheet_view.rightToLeft = right_to_left
    lines = [
        (_("Table"), str(table.caption)),
        (_("Figures covered"), scope_sentence(scope)),
        (_("Period start"), scope.period.start),
        (_("Period end (included)"), scope.period.end),
    ]
    if table.note:
        lines.append((_("How the figures are counted"), str(table.note)))
    lines.append((_("Source"), _("Commune of Berkane — e-services portal")))
    for r, (label, value) in enumerate(lines, start=1):
        about.cell(row=r, column=1, value=label).font = bold
        cell = about.cell(row=r, column=2, value=value)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
        else:
            cell.data_type = "s"
    about.column_dimensions["A"].width = max(len(label) for label, _value in lines) + 2
    about.column_dimensions["B"].width = 90
    book.properties.title = str(table.caption)
    book.properties.creator = _("Commune of Berkane")

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(text: str) -> str:
    """Excel refuses some characters in a sheet's name and more than 31 of them."""
    return _NOT_IN_SHEET_TITLES.sub(" ", text).strip()[:31].strip()


def _shown_width(value, column: Column) -> int:
    if value is None:
        return 0
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        digits = column.digits if column.kind in ("decimal", "days", "percent") else 0
        return len(f"{value * (100 if column.kind == 'percent' else 1):,.{digits}f}") + (column.kind == "percent")
    if isinstance(value, int):
        return len(f"{value:,}")
    return max((len(line) for line in str(value).splitlines()), default=0)
