"""A dashboard table drawn as a chart: the same figures as its table, right to left in Arabic, the commune's map."""

import json
import re
from datetime import date, timedelta

import pytest
import vl_convert
from flask_babel import force_locale

import portal.dashboard.routes  # noqa: F401 (the sections register themselves)
from portal.dashboard import charts
from portal.dashboard.tables import Chart, Column, DataTable
from portal.i18n import FORMAT_LOCALES
from services.accounts.models import Role
from tests.factories import make_district

RLE, PDF = "\u202b", "\u202c"
SERVICES = {
    "ar": ["شهادة السكنى", "تصحيح الإمضاء", "رخصة البناء"],
    "fr": ["Certificat de résidence", "Légalisation de signature", "Autorisation de construire"],
}


def plain(text: str) -> str:
    """A chart's string without the right-to-left embedding it is wrapped in."""
    return text.removeprefix(RLE).removesuffix(PDF)


def by_service(lang: str, kind: str, ys=("received",)) -> DataTable:
    columns = [
        Column("service", {"ar": "الخدمة", "fr": "Service"}[lang]),
        Column("received", {"ar": "الطلبات الواردة", "fr": "Demandes reçues"}[lang], "count"),
        Column("resolved", {"ar": "الطلبات المعالجة", "fr": "Demandes traitées"}[lang], "count"),
        Column("late", {"ar": "خارج الأجل القانوني", "fr": "Hors délai légal"}[lang], "count"),
    ]
    rows = [
        {"service": name, "received": 1201 + 17 * i, "resolved": 803 + 11 * i, "late": 57 + i}
        for i, name in enumerate(SERVICES[lang])
    ]
    return DataTable(f"{kind}-table", "Requests by service", columns, rows, chart=Chart(kind, "service", ys))


def weekly(lang: str, ys=("received", "resolved")) -> DataTable:
    columns = [
        Column("week", {"ar": "الأسبوع", "fr": "Semaine"}[lang], "date"),
        Column("received", {"ar": "الواردة", "fr": "Reçues"}[lang], "count"),
        Column("resolved", {"ar": "المعالجة", "fr": "Traitées"}[lang], "count"),
    ]
    rows = [{"week": date(2026, 1, 5) + timedelta(weeks=i), "received": 40 + i, "resolved": 31 + i} for i in range(6)]
    return DataTable("weekly", "Requests week by week", columns, rows, chart=Chart("line", "week", ys))


def weekly_columns(lang: str) -> DataTable:
    table = weekly(lang)
    table.chart = Chart("bar", "week", ("received",))
    return table


KINDS = {
    "bar": lambda lang: by_service(lang, "bar"),
    "stacked": lambda lang: by_service(lang, "stacked", ("resolved", "late")),
    "grouped": lambda lang: by_service(lang, "grouped", ("received", "resolved", "late")),
    "line": weekly,
    "columns": lambda lang: DataTable(
        "columns",
        "Requests week by week",
        weekly(lang).columns,
        weekly(lang).rows,
        chart=Chart("bar", "week", ("received",)),
    ),
}


@pytest.fixture
def in_language(app, db):
    """Run the block as a request in `lang`, numbers and dates formatted as the pages do."""

    def enter(lang: str):
        stack = app.test_request_context()
        stack.push()
        locale = force_locale(FORMAT_LOCALES[lang])
        locale.__enter__()
        entered.append((stack, locale))

    entered = []
    yield enter
    for stack, locale in reversed(entered):
        locale.__exit__(None, None, None)
        stack.pop()


def figures_of(spec: dict) -> list[float]:
    values = [v for layer in spec.get("layer", [spec]) for v in layer["data"]["values"]]
    return [v.get("value", v.get("properties", {}).get("value")) for v in values]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_chart_carries_every_figure_its_table_plots(in_language, kind, lang):
    in_language(lang)
    table = KINDS[kind](lang)
    spec = charts.spec(table, lang)
    expected = [row[key] for row in table.rows for key in table.chart.y]
    assert sorted(figures_of(spec)) == sorted(expected)
    # The words are the columns' labels, in the page's language.
    text = json.dumps(spec, ensure_ascii=False)
    assert all(plain(c.label) in text for c in table.columns if c.key in (table.chart.x, *table.chart.y))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_every_kind_of_chart_renders_in_both_languages_as_the_report_draws_it(in_language, kind, lang):
    in_language(lang)
    png = vl_convert.vegalite_to_png(charts.spec(KINDS[kind](lang), lang), vl_version="6.4")
    assert png.startswith(b"\x89PNG") and int.from_bytes(png[16:20], "big") > charts.WIDTH


def test_arabic_bars_start_on_the_right_beside_their_categories_and_read_right_to_left(in_language):
    in_language("ar")
    spec = charts.spec(by_service("ar", "stacked", ("resolved", "late")), "ar")
    category, value, colour = (spec["encoding"][c] for c in ("y", "x", "color"))
    assert category["axis"]["orient"] == "right" and value["scale"]["reverse"] is True
    assert all(v["category"].startswith(RLE) and v["category"].endswith(PDF) for v in spec["data"]["values"])
    assert plain(category["axis"]["title"]) == "الخدمة" and category["axis"]["title"].startswith(RLE)
    # The legend reads from the right: first series rightmost, each swatch to the right of its words.
    legend = colour["legend"]
    assert [plain(label) for label in colour["scale"]["domain"]] == ["خارج الأجل القانوني", "الطلبات المعالجة"]
    assert legend["labelAlign"] == "right" and legend["symbolOffset"] > 0 > legend["labelOffset"]
    assert spec["config"]["text"]["dir"] == "rtl"
    assert spec["config"]["font"].startswith("Noto Sans Arabic")


def test_french_bars_start_on_the_left_with_nothing_turned_around(in_language):
    in_language("fr")
    spec = charts.spec(by_service("fr", "grouped", ("received", "resolved")), "fr")
    category, value, colour = (spec["encoding"][c] for c in ("y", "x", "color"))
    assert category["axis"]["orient"] == "left" and "scale" not in value
    assert colour["scale"]["domain"] == ["Demandes reçues", "Demandes traitées"]
    assert "labelAlign" not in colour["legend"]
    assert RLE not in json.dumps(spec, ensure_ascii=False)
    assert spec["config"]["text"]["dir"] == "ltr"


def test_time_runs_left_to_right_in_both_languages_with_the_values_on_the_reading_side(in_language):
    in_language("ar")
    arabic = charts.spec(weekly("ar"), "ar")
    in_language("fr")
    french = charts.spec(weekly("fr"), "fr")
    for spec, side in ((arabic, "right"), (french, "left")):
        assert spec["encoding"]["x"]["type"] == "temporal" and "scale" not in spec["encoding"]["x"]
        assert spec["encoding"]["y"]["axis"]["orient"] == side
    # Ticks fall on the weeks' Mondays, not on d3's Sundays.
    assert arabic["encoding"]["x"]["axis"]["values"][0] == {"utc": True, "year": 2026, "month": 1, "date": 5}


@pytest.mark.parametrize(("lang", "decimal", "thousands"), [("ar", ",", "."), ("fr", ",", "\u202f")], ids=["ar", "fr"])
def test_axes_write_numbers_as_the_tables_do(in_language, lang, decimal, thousands):
    in_language(lang)
    locale = charts.spec(by_service(lang, "bar"), lang)["config"]["locale"]
    assert (locale["number"]["decimal"], locale["number"]["thousands"]) == (decimal, thousands)
    assert "numerals" not in locale["number"]  # Western digits, as Babel writes them for ar_MA
    months = {"ar": "يناير", "fr": "janvier"}[lang]
    assert locale["time"]["months"][0] == months


def test_the_choropleth_is_the_communes_map_every_district_drawn_those_with_a_figure_coloured(in_language, db):
    east = make_district(db.session, bounds=(-2.33, 34.91, -2.32, 34.92), name_fr="Est", name_ar="الشرق")
    west = make_district(db.session, bounds=(-2.32, 34.91, -2.31, 34.92), name_fr="Ouest", name_ar="الغرب")
    north = make_district(db.session, bounds=(-2.33, 34.92, -2.31, 34.93), name_fr="Nord", name_ar="الشمال")
    db.session.commit()
    in_language("ar")
    table = DataTable(
        "share",
        "Lights out of order",
        [Column("district", "الحي"), Column("share", "نسبة الأعطاب", "percent", 1)],
        [
            {"district": "الشرق", "share": 0.125, "district_id": east.id},
            {"district": "الغرب", "share": 0.25, "district_id": west.id},
        ],
        chart=Chart("choropleth", "district", ("share",)),
    )
    spec = charts.spec(table, "ar")
    shapes, coloured = (layer["data"]["values"] for layer in spec["layer"])
    assert {f["id"] for f in shapes} == {east.id, west.id, north.id}
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in shapes)
    lon, lat = shapes[0]["geometry"]["coordinates"][0][0][0]
    assert -2.34 < lon < -2.30 and 34.90 < lat < 34.94  # WGS84, as the projection expects
    assert {f["id"]: f["properties"]["value"] for f in coloured} == {east.id: 0.125, west.id: 0.25}
    assert {plain(f["properties"]["name"]) for f in shapes} == {"الشرق", "الغرب", "الشمال"}
    # The tooltip says what the table says, formatted the same way.
    tip = next(f for f in coloured if f["id"] == east.id)["properties"]["tip"]
    assert tip == {"الحي": "الشرق", "نسبة الأعطاب": "12,5%"}
    colour = spec["layer"][1]["encoding"]["color"]
    assert colour["field"] == "properties.value" and plain(colour["title"]) == "نسبة الأعطاب"
    assert spec["projection"]["type"] == "mercator"


def test_a_missing_figure_is_left_out_not_drawn_as_zero(in_language):
    in_language("fr")
    table = by_service("fr", "bar")
    table.rows[1]["received"] = None
    values = charts.spec(table, "fr")["data"]["values"]
    assert [v["category"] for v in values] == [SERVICES["fr"][0], SERVICES["fr"][2]]


def test_a_spec_inside_the_page_cannot_end_its_script_element():
    spec = {"description": "</script><script>alert(1)</script> & <!--"}
    text = str(charts.script_json(spec))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == spec


def test_the_dashboard_page_gives_each_chart_its_spec_hidden_until_drawn_and_keeps_its_csp(client, login_as, db):
    make_district(db.session, population=5000)
    login_as(Role.MAYOR_OFFICE, locale="fr")
    response = client.get("/dashboard/services")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    figures = re.findall(r'<figure class="dashboard-chart"[^>]*>.*?</figure>', html, flags=re.S)
    assert figures and all(" hidden" in f.split(">", 1)[0] for f in figures)
    for figure in figures:
        spec = json.loads(re.search(r'<script type="application/json">(.*?)</script>', figure, flags=re.S).group(1))
        assert "$schema" not in spec and spec["data" if "data" in spec else "layer"]
        name = re.search(r'aria-labelledby="(caption-[^"]+)"', figure).group(1)
        assert f'id="{name}"' in html  # the chart is named by its table's caption
    for script in ("vendor/vega/vega.min.js", "vendor/vega/vega-lite.min.js", "vendor/vega/vega-embed.min.js"):
        assert script in html
        assert client.get(f"/static/{script}").status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "unsafe-inline" not in csp


def test_the_report_draws_arabic_charts_in_a_font_with_every_character_of_their_labels(in_language):
    in_language("ar")
    spec = charts.spec(by_service("ar", "stacked", ("resolved", "late")), "ar")
    printed = charts.for_print(spec, "ar")
    config = printed["config"]
    fonts = [config["font"], config["text"]["font"]] + [
        config[g][f] for g in ("axis", "legend") for f in ("labelFont", "titleFont")
    ]
    assert all(font.startswith("DejaVu Sans") for font in fonts)
    assert {k: v for k, v in printed.items() if k != "config"} == {k: v for k, v in spec.items() if k != "config"}
    assert spec["config"]["font"].startswith("Noto Sans Arabic")  # the page's chart keeps the page's font


def test_a_count_axis_over_a_few_requests_is_ticked_in_whole_numbers(in_language):
    in_language("fr")
    table = by_service("fr", "stacked", ("resolved", "late"))
    for row, (resolved, late) in zip(table.rows, [(1, 1), (0, 2), (0, 0)], strict=True):
        row.update(resolved=resolved, late=late)
    assert charts.spec(table, "fr")["encoding"]["x"]["axis"]["values"] == [0, 1, 2]
    assert "values" not in charts.spec(by_service("fr", "bar"), "fr")["encoding"]["x"]["axis"]
