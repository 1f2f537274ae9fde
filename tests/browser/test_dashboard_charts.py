"""The mayor's office reads the dashboard's charts in a real browser, in Arabic and in French: every kind of chart
drawn as SVG under the page's Content-Security-Policy, bars beside their names on the reading side, a tooltip
with the table's figure, and the tables alone without JavaScript."""

from datetime import date, timedelta

import pytest
from flask_babel import get_locale
from playwright.sync_api import expect
from sqlalchemy import select

from gis.districts.models import District
from portal.dashboard.tables import SECTIONS, Chart, Column, DataTable, register
from portal.extensions import db
from portal.i18n import localized
from tests.browser.conftest import SERIOUS
from tests.browser.test_journeys import DEMO, _sign_in
from tests.conftest import tr

NAMES = {
    "ar": ["شهادة السكنى", "تصحيح الإمضاء", "رخصة البناء", "تبليغ عن عطب في الإنارة العمومية"],
    "fr": ["Certificat de résidence", "Légalisation de signature", "Autorisation de construire", "Panne d'éclairage"],
}
WORDS = {
    "service": {"ar": "الخدمة", "fr": "Service"},
    "received": {"ar": "الطلبات الواردة", "fr": "Demandes reçues"},
    "resolved": {"ar": "الطلبات المعالجة", "fr": "Demandes traitées"},
    "late": {"ar": "خارج الأجل القانوني", "fr": "Hors délai légal"},
    "week": {"ar": "الأسبوع", "fr": "Semaine"},
    "district": {"ar": "الحي", "fr": "Quartier"},
    "share": {"ar": "نسبة الأعطاب", "fr": "Part en panne"},
}
FIRST = {"ar": "1.201", "fr": "1\u202f201"}  # the first service's requests, as the table writes them


def _lang() -> str:
    return str(get_locale()).split("_")[0]


def _services(name: str, kind: str, ys: tuple[str, ...]) -> DataTable:
    lang = _lang()
    columns = [Column("service", WORDS["service"][lang])] + [
        Column(key, WORDS[key][lang], "count") for key in ("received", "resolved", "late")
    ]
    rows = [
        {"service": service, "received": 1201 + 370 * i, "resolved": 803 + 210 * i, "late": 57 + 30 * i}
        for i, service in enumerate(NAMES[lang])
    ]
    return DataTable(name, f"{kind} · {name}", columns, rows, chart=Chart(kind, "service", ys))


def _weeks(scope) -> DataTable:
    lang = _lang()
    columns = [Column("week", WORDS["week"][lang], "date")] + [
        Column(key, WORDS[key][lang], "count") for key in ("received", "resolved")
    ]
    rows = [
        {"week": date(2026, 1, 5) + timedelta(weeks=i), "received": 40 + 9 * (i % 4), "resolved": 31 + 5 * (i % 3)}
        for i in range(12)
    ]
    return DataTable("weeks", "line · weeks", columns, rows, chart=Chart("line", "week", ("received", "resolved")))


def _map(scope) -> DataTable:
    lang = _lang()
    districts = db.session.scalars(select(District).order_by(District.id)).all()
    rows = [
        {"district": localized(d), "share": 0.05 + 0.06 * i, "district_id": d.id}
        for i, d in enumerate(districts)
        if i != 1  # one district without a figure: drawn, not coloured
    ]
    columns = [Column("district", WORDS["district"][lang]), Column("share", WORDS["share"][lang], "percent", 1)]
    return DataTable("map", "choropleth · map", columns, rows, chart=Chart("choropleth", "district", ("share",)))


BUILDERS = {
    "bar": lambda scope: _services("bar", "bar", ("received",)),
    "stacked": lambda scope: _services("stacked", "stacked", ("resolved", "late")),
    "grouped": lambda scope: _services("grouped", "grouped", ("received", "resolved", "late")),
    "weeks": _weeks,
    "map": _map,
}


@pytest.fixture
def chart_kinds():
    """A dashboard section with one table of each kind of chart, served by the live portal (same process)."""
    register("chart-kinds", lambda: "Charts", BUILDERS)
    yield "/dashboard/chart-kinds"
    SECTIONS.pop("chart-kinds", None)


def _watch_console(page) -> list[str]:
    problems = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    return problems


def _drawn(page, count: int):
    figures = page.locator("figure.dashboard-chart")
    expect(figures).to_have_count(count)
    expect(page.locator("figure.dashboard-chart--drawn")).to_have_count(count)
    for i in range(count):
        expect(figures.nth(i).locator("svg path, svg line").first).to_be_attached()
        expect(figures.nth(i)).to_be_visible()


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box, locator
    return box


def test_the_mayors_office_reads_every_kind_of_chart_in_arabic_and_french(visitor_factory, chart_kinds):
    mayor = DEMO["mayor_office"]
    for lang in ("ar", "fr"):
        visitor = visitor_factory(lang)
        problems = _watch_console(visitor.page)
        visitor.goto("/login")
        _sign_in(visitor, lang, mayor.email, mayor.password)
        page = visitor.goto(chart_kinds)
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
        _drawn(page, len(BUILDERS))

        # Bars start beside their names: on the right in Arabic, on the left in French.
        bar = page.locator("#chart-bar")
        name = bar.locator("svg text", has_text=NAMES[lang][0]).first
        bars = bar.locator("svg .mark-rect path")
        label, first_bar = _box(name), _box(bars.first)
        if lang == "ar":
            assert label["x"] >= first_bar["x"] + first_bar["width"] - 1
        else:
            assert label["x"] + label["width"] <= first_bar["x"] + 1

        # The map draws every district, the one without a figure too.
        districts = page.locator("#chart-map svg .mark-shape").first.locator("path")
        expect(districts).to_have_count(page.locator("#data-map tbody tr").count() + 1)

        # A bar's tooltip gives its figure as the table writes it.
        bars.first.hover()
        tooltip = page.locator("#vg-tooltip-element")
        expect(tooltip).to_be_visible()
        expect(tooltip).to_contain_text(FIRST[lang])
        expect(tooltip).to_contain_text(NAMES[lang][0])
        expect(page.locator("#data-bar tbody tr").first).to_contain_text(FIRST[lang])
        page.mouse.move(0, 0)

        visitor.check(f"chart-kinds-{lang}")
        for figure in BUILDERS:
            page.locator(f"#chart-{figure}").screenshot(
                path=str(visitor.folder / f"{visitor.label}-{lang}-chart-{figure}.png")
            )

        # The section's own charts, from the demo data. Axe looks at the charts only: the page's wide tables
        # scroll without a keyboard stop (scrollable-region-focusable), which is the tables' business.
        page.goto(visitor.base_url + "/dashboard/services")
        figures = page.locator("figure.dashboard-chart").count()
        assert figures, "the services section has charts"
        _drawn(page, figures)
        page.screenshot(path=str(visitor.folder / f"{visitor.label}-{lang}-services.png"), full_page=True)
        results = visitor.axe.run(page, context={"include": [["figure.dashboard-chart"]]})
        assert [v["id"] for v in results.response["violations"] if v.get("impact") in SERIOUS] == []
        assert problems == [], problems


def test_without_javascript_the_dashboard_shows_its_tables_and_no_empty_chart(visitor_factory, chart_kinds):
    mayor = DEMO["mayor_office"]
    plain = visitor_factory("fr", javascript=False)
    plain.goto("/login")
    _sign_in(plain, "fr", mayor.email, mayor.password)
    page = plain.goto(chart_kinds)
    expect(page.locator("figure.dashboard-chart").first).to_be_hidden()
    expect(page.locator("#data-bar tbody tr").first).to_contain_text(FIRST["fr"])
    expect(page.get_by_role("button", name=tr("fr", "Download the report (PDF)"))).to_be_visible()
