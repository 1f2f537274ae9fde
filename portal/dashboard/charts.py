"""A dashboard table as a Vega-Lite chart: one spec, drawn by vega-embed in the page and by vl-convert in the PDF.

The spec carries its data (the table's rows, inlined), its words (the columns' translated labels) and its
number and date locale (taken from Babel, so an axis writes 12 345,5 as the table does), so the browser
and the report draw the same picture from the same dictionary.

Right to left: SVG text is laid out left to right in both renderers (text-anchor keeps its meaning), and
each Arabic string is wrapped in a right-to-left embedding, so "الطاقة (kWh)" reads as Arabic does; bars
start on the right, next to their categories, and a legend reads from the right, swatch first.
"""

import json
import math
from datetime import date, datetime
from typing import Any

from babel import Locale
from babel.numbers import format_decimal, format_percent, get_decimal_symbol, get_group_symbol
from flask_babel import get_locale
from markupsafe import Markup

from gis import layers
from portal.extensions import db

from .formatting import cell
from .tables import Column, DataTable

WIDTH = 480  # the plot, in CSS pixels: with its axes it fits an A4 page's text column
STEP = 22  # the thickness of one bar
HEIGHT = 260  # of a line chart or of columns over time
MAP_HEIGHT = 380
FONT_SIZE = 12
INK = "#0b0c0c"
MUTED = "#505a5f"
BLUE = "#1d4f91"
# Told apart with the common colour-vision deficiencies (Tableau 10, the portal's blue first).
SERIES = ["#1d4f91", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f", "#bab0ac"]
NO_DATA = "#e8e8e8"
FONTS = {"ar": "Noto Sans Arabic, Noto Sans, sans-serif", "fr": "Noto Sans, Noto Sans Arabic, sans-serif"}
# For vl-convert: its renderer (resvg) takes a glyph the first font lacks from whichever installed face has it,
# not from the next family listed, and leaves empty boxes for the parentheses of "المدة (بالساعات)": Noto Sans
# Arabic has no parentheses, percent sign or Latin letters. DejaVu Sans has them all, with Arabic (Debian
# installs it with fontconfig, which WeasyPrint needs anyway).
PRINT_FONTS = {"ar": "DejaVu Sans, Noto Sans Arabic, sans-serif", "fr": FONTS["fr"]}
RLE, PDF = "\u202b", "\u202c"  # right-to-left embedding, and its end

# A legend entry: a square swatch, a gap, its label. Labels are given a width reserved from their length
# (generous, and capped by labelLimit), so that Arabic entries can be laid out from the right.
SWATCH = 10
SWATCH_GAP = 6
ENTRY_PADDING = 16
LEGEND_ROW = 18
CHAR_WIDTH = 7.0
LABEL_MAX = 220


# --------------------------------------------------------------------------- locale


def number_locale(locale: Locale) -> dict:
    """d3-format's locale with the symbols Babel writes in the tables (Western digits in Arabic too)."""
    return {
        "decimal": get_decimal_symbol(locale),
        "thousands": get_group_symbol(locale),
        "grouping": [3],
        "currency": ["", ""],
        # As Babel writes them around a number, not as the bare CLDR symbols (ar_MA's carry bidi marks).
        "minus": format_decimal(-1, "0", locale=locale).removesuffix("1"),
        "percent": format_percent(0.01, "0%", locale=locale).removeprefix("1"),
    }


def time_locale(locale: Locale) -> dict:
    """d3-time-format's locale from Babel's month and day names (Moroccan month names in Arabic)."""

    def names(kind: str, width: str):
        return getattr(locale, kind)["format"][width]

    week = [6, 0, 1, 2, 3, 4, 5]  # d3 counts days from Sunday, Babel from Monday
    return {
        "dateTime": "%x %X",
        "date": "%d/%m/%Y",
        "time": "%H:%M",
        "periods": [names("day_periods", "abbreviated").get(p, p.upper()) for p in ("am", "pm")],
        "days": [names("days", "wide")[d] for d in week],
        "shortDays": [names("days", "abbreviated")[d] for d in week],
        "months": [names("months", "wide")[m] for m in range(1, 13)],
        "shortMonths": [names("months", "abbreviated")[m] for m in range(1, 13)],
    }


# --------------------------------------------------------------------------- values


class _Words:
    """The chart's language: its strings as the renderers must be given them."""

    def __init__(self, lang: str):
        self.rtl = lang == "ar"

    def __call__(self, text: Any) -> str:
        text = "" if text is None else str(text)
        return f"{RLE}{text}{PDF}" if self.rtl and text else text


def axis_format(column: Column) -> str:
    """d3-format pattern of an axis over the column: ticks are round values, so trailing zeros go."""
    return ",~%" if column.kind == "percent" else ",~f"


def _number(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _category(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _tip(row: dict, columns: list[Column]) -> dict[str, str]:
    """The row's cells as the table writes them: the tooltip shows the same figures, formatted the same way."""
    return {c.label: cell(row.get(c.key), c) for c in columns}


def _values(table: DataTable, x: Column, ys: list[Column], words: _Words) -> list[dict]:
    """One datum per row and plotted column; a missing figure is left out, not drawn as zero."""
    values = []
    for row in table.rows:
        tip = _tip(row, [x, *ys])
        category = _category(row.get(x.key))
        for rank, y in enumerate(ys):
            number = _number(row.get(y.key))
            if number is not None:
                values.append(
                    {
                        "category": category if x.kind == "date" else words(category),
                        "series": words(y.label),
                        "value": number,
                        "rank": rank,
                        "tip": tip,
                    }
                )
    return values


# --------------------------------------------------------------------------- specs


def spec(table: DataTable, lang: str) -> dict:
    """The Vega-Lite spec of `table`'s chart, in `lang` (ar: right to left), its rows inlined."""
    chart = table.chart
    assert chart is not None, table.name
    words = _Words(lang)
    x = table.column(chart.x)
    ys = [table.column(key) for key in chart.y]
    if chart.kind == "choropleth":
        body = _choropleth(table, x, ys[0], words)
    elif chart.kind == "line":
        body = _line(table, x, ys, words)
    else:
        body = _bars(table, x, ys, chart.kind, words)
    # No "$schema": the page names no other host, and both renderers are told the spec is Vega-Lite.
    return {"description": table.caption, **body, "config": _config(lang)}


def for_print(spec: dict, lang: str) -> dict:
    """The same chart, in the fonts vl-convert can draw every character of."""
    config = spec["config"]
    font = PRINT_FONTS[lang]
    guides = {key: {**config[key], "labelFont": font, "titleFont": font} for key in ("axis", "legend")}
    return {**spec, "config": {**config, **guides, "font": font, "text": {**config["text"], "font": font}}}


def _config(lang: str) -> dict:
    font = FONTS[lang]
    locale = get_locale()
    guide = {"labelFont": font, "titleFont": font, "labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE}
    return {
        "font": font,
        # The page names the chart and gives its figures in the table below; no second, English-worded tree.
        "aria": False,
        "background": "white",
        "locale": {"number": number_locale(locale), "time": time_locale(locale)},
        "view": {"stroke": None},
        "axis": {
            **guide,
            "labelColor": INK,
            "titleColor": INK,
            "titleFontWeight": "bold",
            "labelLimit": LABEL_MAX,
            "domainColor": MUTED,
            "tickColor": MUTED,
            "gridColor": "#dcdcdc",
        },
        "legend": {**guide, "labelColor": INK, "titleColor": INK, "labelLimit": LABEL_MAX, "titleLimit": 400},
        # Vega truncates text from its end: for Arabic, the left.
        "text": {"font": font, "fontSize": FONT_SIZE, "color": INK, "dir": "rtl" if lang == "ar" else "ltr"},
        "bar": {"color": BLUE},
        "line": {"color": BLUE, "strokeWidth": 2},
        "point": {"filled": True, "size": 40},
        "range": {"category": SERIES},
    }


def _dates(values: list[dict]) -> list[date]:
    return sorted({date.fromisoformat(v["category"]) for v in values})


def _time_axis(values: list[dict], words: _Words) -> tuple[str, str]:
    """The time unit and label format of a date axis: whole months read as months."""
    monthly = all(day.day == 1 for day in _dates(values))
    return ("utcyearmonth", words("%b %Y")) if monthly else ("utcyearmonthdate", words("%-d %b"))


def _time_ticks(values: list[dict], most: int = 8) -> list[dict]:
    """Ticks on the data's own dates (weeks start on Monday, d3's on Sunday), at most `most` of them."""
    days = _dates(values)
    step = max(1, math.ceil(len(days) / most))
    return [{"utc": True, "year": d.year, "month": d.month, "date": d.day} for d in days[::step]]


def _category_channel(x: Column, values: list[dict], words: _Words, *, band: bool) -> dict:
    """Dates in time order, left to right in both languages; anything else in the table's row order."""
    if x.kind == "date":
        unit, fmt = _time_axis(values, words)
        axis = {"format": fmt, "labelAngle": 0, "title": words(x.label), "labelOverlap": True}
        if not band:
            axis["values"] = _time_ticks(values)
        return {"field": "category", "type": "ordinal" if band else "temporal", "timeUnit": unit, "axis": axis}
    # Horizontal bars: the categories' title above them, on the side they are read from.
    axis = {
        "title": words(x.label),
        "orient": "right" if words.rtl else "left",
        "titleAngle": 0,
        "titleAlign": "right" if words.rtl else "left",
        "titleAnchor": "end",
        "titleBaseline": "bottom",
        "titleY": -8,
    }
    return {"field": "category", "type": "nominal", "sort": None, "axis": axis}


def _largest(values: list[dict], stacked: bool) -> float:
    if not stacked:
        return max((v["value"] for v in values), default=0)
    totals: dict[str, float] = {}
    for v in values:
        totals[v["category"]] = totals.get(v["category"], 0) + v["value"]
    return max(totals.values(), default=0)


def _value_channel(ys: list[Column], values: list[dict], words: _Words, *, stacked: bool, horizontal: bool) -> dict:
    axis: dict[str, Any] = {"format": axis_format(ys[0]), "title": words(ys[0].label) if len(ys) == 1 else None}
    if ys[0].kind == "count":
        axis["tickMinStep"] = 1
        largest = _largest(values, stacked)
        if 0 <= largest <= 5:
            # Vega still ticks 0, 0.5, 1 over a count of one: name the whole numbers.
            axis["values"] = list(range(math.ceil(largest) + 1))
    if horizontal:
        # Vega's default (a tick every 40 pixels) crowds wide labels such as 240.000 and flushes the last one
        # into its neighbour.
        axis["tickCount"] = 6
    else:
        # On the side Arabic starts from; its title level above it, not turned a quarter.
        side = "right" if words.rtl else "left"
        axis.update(
            {"orient": side, "titleAngle": 0, "titleAlign": side, "titleBaseline": "bottom", "titleX": 0, "titleY": -10}
        )
    channel = {"field": "value", "type": "quantitative", "axis": axis, "stack": "zero" if stacked else None}
    if horizontal and words.rtl:
        channel["scale"] = {"reverse": True}  # bars grow leftwards from their category
    return channel


def _colour_channel(ys: list[Column], words: _Words, *, above: int) -> dict:
    """Series colours and their legend above the plot, read from the right in Arabic, swatch first."""
    labels = [words(y.label) for y in ys]
    colours = SERIES[: len(labels)]
    reserved = min(LABEL_MAX, max(len(y.label) for y in ys) * CHAR_WIDTH)
    entry = reserved + SWATCH_GAP + SWATCH
    one_row = len(labels) * entry + (len(labels) - 1) * ENTRY_PADDING <= WIDTH
    rows = 1 if one_row else len(labels)
    legend: dict[str, Any] = {
        "orient": "none",
        "direction": "horizontal" if one_row else "vertical",
        "title": None,
        "symbolType": "square",
        "symbolSize": SWATCH * SWATCH,
        "columnPadding": ENTRY_PADDING,
        "legendY": -(rows * LEGEND_ROW + above),
        "legendX": 0,
    }
    if words.rtl:
        # Vega lays entries out left to right, swatch before label: give each the same width, its swatch
        # at the right end and its label anchored to the swatch's left, and list them from the right.
        width = len(labels) * entry + (len(labels) - 1) * ENTRY_PADDING if one_row else entry
        legend.update(
            {
                "legendX": WIDTH - width,
                "symbolOffset": reserved + SWATCH_GAP,
                "labelAlign": "right",
                "labelOffset": -(SWATCH + SWATCH_GAP),
                "labelLimit": reserved,
            }
        )
        if one_row:
            labels, colours = labels[::-1], colours[::-1]
    return {
        "field": "series",
        "type": "nominal",
        "sort": labels,
        "scale": {"domain": labels, "range": colours},
        "legend": legend,
    }


def _bars(table: DataTable, x: Column, ys: list[Column], kind: str, words: _Words) -> dict:
    values = _values(table, x, ys, words)
    horizontal = x.kind != "date"  # dates stand as columns, in time order
    category = _category_channel(x, values, words, band=True)
    value = _value_channel(ys, values, words, stacked=kind == "stacked", horizontal=horizontal)
    encoding: dict[str, Any] = {"y": category, "x": value} if horizontal else {"x": category, "y": value}
    if kind != "bar" and len(ys) > 1:
        encoding["color"] = _colour_channel(ys, words, above=30 if horizontal else 10)
        encoding["order"] = {"field": "rank", "type": "quantitative"}
        if kind == "grouped":
            series = [words(y.label) for y in ys]
            encoding["yOffset" if horizontal else "xOffset"] = {"field": "series", "sort": series}
    size = {"width": WIDTH, "height": {"step": STEP}} if horizontal else {"width": WIDTH, "height": HEIGHT}
    return {
        **size,
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": {"expr": "datum.tip"}},
        "encoding": encoding,
    }


def _line(table: DataTable, x: Column, ys: list[Column], words: _Words) -> dict:
    values = _values(table, x, ys, words)
    encoding: dict[str, Any] = {
        "x": _category_channel(x, values, words, band=False),
        "y": _value_channel(ys, values, words, stacked=False, horizontal=False),
    }
    if len(ys) > 1:
        encoding["color"] = _colour_channel(ys, words, above=10)
    else:
        encoding["detail"] = {"field": "series"}
    if x.kind != "date":
        encoding["x"]["type"] = "ordinal"
        encoding["x"]["axis"] = {"title": words(x.label), "labelAngle": 0, "labelOverlap": True}
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "data": {"values": values},
        "mark": {"type": "line", "point": True, "tooltip": {"expr": "datum.tip"}},
        "encoding": encoding,
    }


def district_features() -> list[dict]:
    """Every district of the commune as a GeoJSON Feature in WGS84 (id: the district's), built by the database."""
    page = layers.feature_page(db.session, layers.DISTRICTS, limit=layers.MAX_LIMIT)
    return json.loads(page.features or "[]")


def _choropleth(table: DataTable, x: Column, y: Column, words: _Words) -> dict:
    """The commune's map, every district drawn; those with a figure coloured by it."""
    rows = {row.get("district_id"): row for row in table.rows if row.get("district_id") is not None}
    shapes, coloured = [], []
    for feature in district_features():
        props = feature.get("properties") or {}
        name = props.get("name_ar" if words.rtl else "name_fr") or props.get("name_fr") or props.get("name_ar")
        row = rows.get(feature.get("id"))
        value = _number(row.get(y.key)) if row else None
        datum = {
            "type": "Feature",
            "id": feature.get("id"),
            "geometry": feature["geometry"],
            "properties": {
                "name": words(name),
                "value": value,
                "tip": _tip(row, [x, y]) if row else {x.label: name or ""},
            },
        }
        shapes.append(datum)
        if value is not None:
            coloured.append(datum)
    outline = {"stroke": "white", "strokeWidth": 1.5, "tooltip": {"expr": "datum.properties.tip"}}
    colour = {
        "field": "properties.value",
        "type": "quantitative",
        "title": words(y.label),
        "scale": {"scheme": "blues", "zero": y.kind in ("count", "percent")},
        "legend": {"orient": "left" if words.rtl else "right", "format": axis_format(y), "gradientLength": 200},
    }
    return {
        "width": WIDTH,
        "height": MAP_HEIGHT,
        "projection": {"type": "mercator"},
        "layer": [
            {"data": {"values": shapes}, "mark": {"type": "geoshape", "fill": NO_DATA, **outline}},
            {"data": {"values": coloured}, "mark": {"type": "geoshape", **outline}, "encoding": {"color": colour}},
        ],
    }


# --------------------------------------------------------------------------- in a page


def script_json(value: Any) -> Markup:
    """JSON for a <script type="application/json"> element: no `<`, `>` or `&` can end it or open a tag."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 (escaped above for the one context it is written into)
