"""The monthly PDF report: a month's figures and charts from every dashboard section, in Arabic or French."""

import io
import re
from datetime import date

import pytest
from babel.dates import format_date
from babel.numbers import format_decimal
from pypdf import PdfReader

import portal.dashboard.routes  # noqa: F401 (the sections register themselves)
from portal.dashboard.scope import today
from portal.dashboard.tables import SECTIONS, Chart, Column, DataTable, register
from portal.i18n import FORMAT_LOCALES
from services.accounts.models import Role
from tests.conftest import page_text, tr
from tests.factories import make_department, make_district


def probe(scope) -> DataTable:
    """A table whose figures say which scope it was built for."""
    return DataTable(
        "probe",
        "Probe of the report",
        [
            Column("label", "Probe"),
            Column("received", "Received", "count"),
            Column("days", "Days", "count"),
            Column("department", "Department"),
        ],
        [
            {
                "label": "probe",
                "received": 12_000 + 100 * scope.period.start.month,
                "days": scope.period.days,
                "department": f"department #{scope.department_id}#",
            }
        ],
        chart=Chart("bar", "label", ("received",)),
    )


@pytest.fixture
def only_the_probe(monkeypatch):
    """The report holds the probe's section alone (the real sections are tested with their own data)."""
    for slug in list(SECTIONS):
        monkeypatch.delitem(SECTIONS, slug)
    register("probe", lambda: "Probe section", {"probe": probe})
    yield
    SECTIONS.pop("probe", None)


def report(client, **query):
    return client.get("/dashboard/report.pdf", query_string=query)


def pdf_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_images(response) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(response.data)).pages)


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_monthly_report_gives_the_months_figures_and_their_chart_in_arabic_and_french(
    client, login_as, db, only_the_probe, lang
):
    east = make_district(db.session, name_fr="Quartier de l'Est", name_ar="حي الشرق")
    login_as(Role.MAYOR_OFFICE, locale="fr")
    response = report(client, month="2026-09", district=str(east.id), lang=lang)
    text = pdf_text(response)
    locale = FORMAT_LOCALES[lang]
    assert format_decimal(12_900, locale=locale) in text  # September's figure, as the page writes it
    assert "30" in text.split(format_decimal(12_900, locale=locale))[1][:40]  # its days
    month = format_date(date(2026, 9, 1), "LLLL", locale=locale)
    assert month in text
    assert {"ar": "حي الشرق", "fr": "Quartier de l'Est"}[lang] in text
    assert pdf_images(response) == 1  # the probe's chart
    assert "2026-09" in response.headers["Content-Disposition"]


def test_the_report_is_in_the_readers_language_unless_another_is_asked(client, login_as, db, only_the_probe):
    login_as(Role.MAYOR_OFFICE, locale="ar")
    arabic = pdf_text(report(client, month="2026-02"))
    assert format_date(date(2026, 2, 1), "LLLL", locale="ar_MA") in arabic
    assert format_decimal(12_200, locale="ar_MA") in arabic
    french = pdf_text(report(client, month="2026-02", lang="fr"))
    assert "février" in french and format_decimal(12_200, locale="fr_MA") in french


def test_the_report_holds_every_section_of_the_dashboard(client, login_as, db):
    make_district(db.session)
    login_as(Role.MAYOR_OFFICE, locale="fr")
    response = report(client, month="2026-09")
    text = pdf_text(response)
    with client.application.test_request_context(headers={"Accept-Language": "fr"}):
        titles = [str(section.title()) for section in SECTIONS.values()]
    assert titles and all(title in text for title in titles)
    assert tr("fr", "Monthly report of the Commune of Berkane: %(month)s") % {"month": "septembre 2026"} in (
        " ".join(text.split())
    )


def test_a_head_of_department_gets_the_report_of_their_department_only(client, login_as, db, only_the_probe):
    roads = make_department(db.session, name_fr="Voirie", name_ar="الطرق")
    lights = make_department(db.session, name_fr="Éclairage public", name_ar="الإنارة العمومية")
    login_as(Role.SUPERVISOR, department=roads, locale="fr")
    for asked in ({}, {"department": str(lights.id)}):
        text = pdf_text(report(client, month="2026-09", **asked))
        assert "Voirie" in text and "Éclairage public" not in text
        assert f"department #{roads.id}#" in text


@pytest.mark.parametrize(
    ("lang", "month", "message"),
    [
        ("fr", "2026-13", "Enter the month as year-month, for example 2026-11."),
        ("ar", "septembre", "Enter the month as year-month, for example 2026-11."),
        ("fr", "", "Choose the month of the report."),
        ("ar", "2099-01", "This month has not started yet: choose this month or an earlier one."),
    ],
)
def test_a_month_the_report_cannot_cover_is_refused_in_the_readers_language(
    client, login_as, db, only_the_probe, lang, month, message
):
    login_as(Role.MAYOR_OFFICE, locale=lang)
    response = report(client, month=month)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    text = page_text(response)
    assert tr(lang, message) in text and tr(lang, "There is a problem") in text


def test_an_unknown_district_is_refused_like_on_the_dashboard(client, login_as, db, only_the_probe):
    login_as(Role.MAYOR_OFFICE, locale="fr")
    response = report(client, month="2026-09", district="999999")
    assert response.status_code == 400
    assert tr("fr", "There is a problem") in page_text(response)


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.AGENT])
def test_only_the_dashboards_readers_get_the_report(client, login_as, db, only_the_probe, role):
    assert report(client, month="2026-09").status_code == 302  # to the sign-in page
    login_as(role)
    assert report(client, month="2026-09").status_code == 403


def test_the_dashboard_offers_last_months_report_in_the_pages_language(client, login_as, db, only_the_probe):
    district = make_district(db.session)
    login_as(Role.MAYOR_OFFICE, locale="fr")
    html = client.get("/dashboard/probe", query_string={"district": str(district.id)}).get_data(as_text=True)
    form = re.search(r'<form[^>]*action="/dashboard/report.pdf".*?</form>', html, flags=re.S).group(0)
    first = today().replace(day=1)
    last_month = date.fromordinal(first.toordinal() - 1)
    assert f'value="{last_month:%Y-%m}"' in form and 'type="month"' in form
    assert re.search(rf'<option selected value="{district.id}">', form)
    assert re.search(r'<option lang="fr" selected value="fr">', form)
