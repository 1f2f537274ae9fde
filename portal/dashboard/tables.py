"""The one shape every dashboard figure takes: a table, maybe drawn as a chart, exported as CSV, XLSX and JSON.

A section (services, lighting, sanitation, transport) is a list of named table builders. A builder takes
the dashboard's scope and returns a DataTable whose cells are raw values (numbers unformatted); the page
formats them for the reader's language, the exports write them as they are, and a chart is drawn from
the same rows, so a chart never shows a figure its table does not.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.stats.scope import Scope

# How a column's values are shown: text, count (integer), decimal (`digits` after the point),
# percent (a fraction 0..1 shown as %), date, days (a duration in days).
KINDS = frozenset({"text", "count", "decimal", "percent", "date", "days"})
CHART_KINDS = frozenset({"bar", "stacked", "grouped", "line", "choropleth"})


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # translated, with its unit if it has one: "Energy (kWh)"
    kind: str = "text"
    digits: int = 1

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind


@dataclass(frozen=True)
class Chart:
    """How to draw a table: `x` names the category (or week/date) column, `y` the plotted columns.

    bar: one bar per row of y[0]; stacked / grouped: the y columns as parts of one bar or side by side;
    line: y columns over x (dates); choropleth: rows carry `district_id`, y[0] colours each district.
    """

    kind: str
    x: str
    y: tuple[str, ...]

    def __post_init__(self) -> None:
        assert self.kind in CHART_KINDS, self.kind


@dataclass
class DataTable:
    name: str  # the stable slug used in export addresses: /dashboard/<section>/<name>.csv
    caption: str  # translated
    columns: list[Column]
    rows: list[dict[str, Any]]
    footer: dict[str, Any] | None = None  # a totals row, same keys
    chart: Chart | None = None
    note: str | None = None  # translated: how the figures are counted, shown under the table
    # Row keys that are not columns but that charts and links need (district_id, service_id...).
    extra: dict[str, Any] = field(default_factory=dict)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


Builder = Callable[[Scope], DataTable]


@dataclass(frozen=True)
class Section:
    slug: str
    title: Callable[[], str]  # a lazy string: the section's heading and tab
    builders: dict[str, Builder]

    def build(self, scope: Scope) -> list[DataTable]:
        return [builder(scope) for builder in self.builders.values()]


SECTIONS: dict[str, Section] = {}


def register(slug: str, title, builders: dict[str, Builder]) -> Section:
    """Declare a dashboard section; its tables get a page tab and export addresses."""
    section = Section(slug, title, builders)
    SECTIONS[slug] = section
    return section


def cell_text(value: Any) -> Any:
    """A cell as exports write it: dates in ISO form, None as empty."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return value
