"""Every dashboard table downloads as CSV, XLSX and JSON with the same figures, in the reader's language."""

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

import portal.dashboard.routes  # noqa: F401 (the sections register themselves)
from portal.dashboard.tables import SECTIONS, Column, DataTable, register
from portal.extensions import db as portal_db
from services.accounts.models import Department, Role
from tests.conftest import page_text, tr
from tests.factories import make_department, make_district
from tests.services.casework.support import make_office

PERIOD = {"period": "custom", "start": "2026-01-01", "end": "2026-06-30"}
TABLES = [(slug, name) for slug, section in SECTIONS.items() for name in section.builders]
ARABIC = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture
def city(db, store):
    """Two districts with populations no other test uses, and three reports filed in the eastern one."""
    west = make_district(db.session, bounds=(-2.35, 34.91, -2.33, 34.93), population=6_789, name_fr="Ouest")
    east = make_district(db.session, bounds=(-2.33, 34.91, -2.31, 34.93), population=12_345, name_fr="Est")
    office = make_office(db.session)
    for day in (2, 3, 4):
        office.report(db.session, store, now=datetime(2026, 3, day, 9, 0, tzinfo=UTC))
    db.session.commit()
    return east, west


def download(client, slug: str, name: str, fmt: str, **query):
    response = client.get(f"/dashboard/{slug}/{name}.{fmt}", query_string={**PERIOD, **query})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Disposition"].startswith("attachment")
    return response


def read_csv(response) -> list[list[str]]:
    assert response.data.startswith("\ufeff".encode())  # Excel reads UTF-8 (and so Arabic) only with the mark
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def read_xlsx(response):
    return load_workbook(io.BytesIO(response.data))


def csv_header(column: dict) -> str:
    if column["kind"] == "percent":
        return tr("fr", "%(label)s (as a fraction of 1)") % {"label": column["label"]}
    return column["label"]


def csv_text(value) -> str:
    """A value as the CSV writes it; text a spreadsheet would run as a formula starts with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def same_figure(cell, value, kind: str) -> bool:
    """An XLSX cell holds the JSON export's value: numbers equal, dates as dates, empty as empty."""
    if value in ("", None):
        return cell in ("", None)
    if kind == "date":
        return cell.date().isoformat() == value
    if isinstance(value, float):
        return cell == pytest.approx(value, rel=1e-15)  # a spreadsheet keeps 15 to 16 significant digits
    return cell == value


@pytest.mark.parametrize(("slug", "name"), TABLES)
def test_each_table_downloads_as_csv_and_xlsx_with_the_figures_of_its_json(client, login_as, city, slug, name):
    login_as(Role.MAYOR_OFFICE, locale="fr")
    exported = json.loads(download(client, slug, name, "json").data)
    columns = exported["columns"]
    rows = [*exported["rows"], *([exported["footer"]] if exported["footer"] and exported["rows"] else [])]

    table = read_csv(download(client, slug, name, "csv"))
    labels = [c["label"] for c in columns]
    assert table[0] == [csv_header(c) for c in columns]
    assert table[1:] == [[csv_text(row.get(c["key"])) for c in columns] for row in rows]

    book = read_xlsx(download(client, slug, name, "xlsx"))
    sheet = book.worksheets[0]
    cells = list(sheet.iter_rows(values_only=True))
    assert list(cells[0]) == labels
    assert len(cells) == len(rows) + 1
    for got, row in zip(cells[1:], rows, strict=True):
        assert all(same_figure(got[i], row.get(c["key"]), c["kind"]) for i, c in enumerate(columns)), (got, row)
    assert sheet.cell(row=1, column=1).font.bold
    assert not sheet.sheet_view.rightToLeft


def test_the_district_table_counts_requests_per_thousand_inhabitants_and_their_total(client, login_as, city):
    east, west = city
    login_as(Role.MAYOR_OFFICE, locale="fr")
    table = read_csv(download(client, "services", "by-district", "csv"))
    by_name = {row[0]: row for row in table[1:]}
    assert by_name["Est"][1:3] == ["12345", "3"] and by_name["Ouest"][1:3] == ["6789", "0"]  # raw, no separators
    assert float(by_name["Est"][3]) == pytest.approx(3 * 1000 / 12_345)
    assert table[-1][1:3] == [str(east.population + west.population), "3"]  # the totals row comes last

    sheet = read_xlsx(download(client, "services", "by-district", "xlsx")).worksheets[0]
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert cells["Est"][1].value == 12_345 and cells["Est"][1].number_format == "#,##0"
    assert cells["Est"][3].number_format == "#,##0.0"
    assert sheet.cell(row=sheet.max_row, column=1).font.bold  # the totals row


def test_an_arabic_reader_gets_arabic_headers_and_a_right_to_left_sheet(client, login_as, city):
    login_as(Role.MAYOR_OFFICE, locale="ar")
    table = read_csv(download(client, "services", "by-district", "csv"))
    assert table[0][:2] == [tr("ar", "District"), tr("ar", "Population")]
    assert all(ARABIC.search(h) for h in table[0][:2])

    book = read_xlsx(download(client, "services", "by-district", "xlsx"))
    data, about = book.worksheets
    assert data.sheet_view.rightToLeft and about.sheet_view.rightToLeft
    assert data.cell(row=1, column=1).value == tr("ar", "District")
    about_text = " ".join(str(c.value) for row in about.iter_rows() for c in row if c.value is not None)
    assert tr("ar", "Requests per 1,000 inhabitants, by district") in about_text
    assert tr("ar", "the whole commune") in about_text


def test_a_percent_is_a_fraction_in_the_csv_and_a_percentage_in_the_xlsx(client, db, login_as, probe):
    make_department(db.session)
    login_as(Role.MAYOR_OFFICE, locale="fr")
    table = read_csv(download(client, "probe", "departments", "csv"))
    assert table[0][2] == csv_header({"label": "Share", "kind": "percent"})
    assert {row[2] for row in table[1:]} == {"0.25"}
    sheet = read_xlsx(download(client, "probe", "departments", "xlsx")).worksheets[0]
    cell = sheet.cell(row=2, column=3)
    assert cell.value == 0.25 and cell.number_format == "0.0%"


def test_the_file_name_tells_the_period_district_and_department(client, db, login_as, city):
    east, _west = city
    department = make_department(db.session, code="hygiene")
    login_as(Role.MAYOR_OFFICE, locale="fr")
    response = download(client, "services", "by-district", "xlsx", district=east.id, department=department.id)
    name = f"berkane-services-by-district-2026-01-01-2026-06-30-{east.code}-hygiene.xlsx"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'


def test_text_that_looks_like_a_formula_stays_text_in_both_spreadsheets(client, db, login_as, probe):
    make_department(db.session, name_fr='=HYPERLINK("http://evil.example")')
    login_as(Role.MAYOR_OFFICE, locale="fr")
    assert read_csv(download(client, "probe", "departments", "csv"))[1][1] == '\'=HYPERLINK("http://evil.example")'
    cell = read_xlsx(download(client, "probe", "departments", "xlsx")).worksheets[0].cell(row=2, column=2)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil.example")'


@pytest.fixture
def probe(db):
    """A section whose one table lists the departments its scope covers, each with a share of a quarter."""

    def departments(scope) -> DataTable:
        query = select(Department).order_by(Department.code)
        if scope.department_id is not None:
            query = query.where(Department.id == scope.department_id)
        return DataTable(
            name="departments",
            caption="Departments",
            columns=[Column("code", "Code"), Column("name", "Name"), Column("share", "Share", "percent")],
            rows=[{"code": d.code, "name": d.name_fr, "share": 0.25} for d in portal_db.session.scalars(query)],
        )

    register("probe", lambda: "Probe", {"departments": departments})
    yield
    SECTIONS.pop("probe")


def test_a_head_of_department_cannot_export_another_departments_figures(client, db, login_as, probe):
    other = make_department(db.session, code="dept-other")
    supervisor = login_as(Role.SUPERVISOR, locale="fr")
    own = db.session.get(Department, supervisor.department_id)

    for fmt in ("csv", "xlsx", "json"):
        response = download(client, "probe", "departments", fmt, department=other.id)
        assert f"-{own.code}.{fmt}" in response.headers["Content-Disposition"]
        assert other.code not in response.headers["Content-Disposition"]
    codes = [row[0] for row in read_csv(download(client, "probe", "departments", "csv", department=other.id))[1:]]
    assert codes == [own.code]
    sheet = read_xlsx(download(client, "probe", "departments", "xlsx", department=other.id)).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [own.code]
    assert json.loads(download(client, "probe", "departments", "json").data)["department_id"] == own.id


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_a_bad_filter_serves_no_file_and_says_why_in_the_readers_language(client, login_as, fmt):
    login_as(Role.MAYOR_OFFICE, locale="ar")
    response = client.get(
        f"/dashboard/services/by-district.{fmt}", query_string={"period": "custom", "start": "2026-13-45", "end": ""}
    )
    assert response.status_code == 400
    assert response.mimetype == "text/html" and "Content-Disposition" not in response.headers
    assert tr("ar", "Enter the date as year-month-day, for example 2026-11-23.") in page_text(response)


def test_a_citizen_cannot_download_dashboard_tables(client, login_as):
    login_as(Role.CITIZEN)
    assert client.get("/dashboard/services/by-district.csv", query_string=PERIOD).status_code == 403
