"""The transport section: bus-stop coverage by district on a representative day, and reports about bus stops."""

from datetime import date, timedelta

from flask_babel import format_date, format_decimal, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from gis.districts.queries import list_districts
from gis.transport.coverage import DEFAULT_MIN_DEPARTURES, WALK_M, coverage_by_district
from gis.transport.queries import stop_name
from portal.extensions import db
from portal.i18n import current_language, localized
from services.stats import transport
from services.stats.scope import Period, Scope
from services.stats.tally import Tally

from ..layers import refusal
from ..tables import Chart, Column, DataTable, register

LAYER = transport.LAYER
WEDNESDAY = 3  # isoweekday


def representative_day(period: Period) -> date:
    """The period's last Wednesday: a working and school day in mid-week; its last day when it has no Wednesday."""
    back = (period.end.isoweekday() - WEDNESDAY) % 7
    day = period.end - timedelta(days=back)
    return day if day >= period.start else period.end


def _whole(scope: Scope) -> str:
    return _("Whole commune") if scope.district_id is None else _("Total")


def coverage(scope: Scope) -> DataTable:
    day = representative_day(scope.period)
    table = DataTable(
        name="coverage",
        caption=_("People and area within walking distance of a well-served bus stop, by district"),
        columns=[
            Column("district", _("District")),
            Column("population", _("Population"), "count"),
            Column("stops", _("Stops served often enough"), "count"),
            Column("share", _("Area within walking distance"), "percent"),
            Column("people", _("Inhabitants within walking distance"), "decimal", 0),
        ],
        rows=[],
        chart=Chart("choropleth", "district", ("share",)),
        note=_(
            "On %(day)s (the period's last Wednesday, or its last day when it has none): a stop counts when buses "
            "stop there at least %(min)s times that day, and walking distance is %(walk)s m.",
            day=format_date(day, "full"),
            min=DEFAULT_MIN_DEPARTURES,
            walk=format_decimal(WALK_M, "#,##0"),
        ),
    )
    if (note := refusal(scope, LAYER)) is not None:
        table.note = note
        return table
    city = coverage_by_district(db.session, day)
    found = sorted(
        (r for r in city.districts if scope.district_id in (None, r.district.id)), key=lambda r: localized(r.district)
    )
    table.rows = [
        {
            "district": localized(r.district),
            "population": r.population,
            "stops": r.stops_served,
            "share": r.share,
            "people": r.population_covered,
            "district_id": r.district.id,
        }
        for r in found
    ]
    if scope.district_id is None:
        # A stop on a boundary serves both districts: the commune counts it once.
        table.footer = {
            "district": _whole(scope),
            "population": city.population,
            "stops": city.stops_served,
            "share": city.share,
            "people": city.population_covered,
        }
    return table


def _reports_note() -> str:
    return (
        _("Reports placed on a bus stop.")
        + " "
        + _(
            "Received: filed in the period (for a request filed without an account, once its email is confirmed). "
            "Handled: given its outcome in the period: resolved, rejected, closed without action, or joined to "
            "another request as a duplicate."
        )
    )


def stop_reports_by_district(scope: Scope) -> DataTable:
    counts = transport.reports_by_district(db.session, scope)
    districts = sorted((d for d in list_districts(db.session) if scope.district_id in (None, d.id)), key=localized)
    rows = [
        {
            "district": localized(d),
            "received": counts.get(d.id, Tally()).received,
            "handled": counts.get(d.id, Tally()).handled,
            "district_id": d.id,
        }
        for d in districts
    ]
    if None in counts:
        rows.append(
            {
                "district": _("Outside the districts"),
                "received": counts[None].received,
                "handled": counts[None].handled,
                "district_id": None,
            }
        )
    return DataTable(
        name="stop_reports_by_district",
        caption=_("Reports about bus stops received and handled, by district"),
        columns=[
            Column("district", _("District")),
            Column("received", pgettext("requests", "Received"), "count"),
            Column("handled", pgettext("requests", "Handled"), "count"),
        ],
        rows=rows,
        footer={
            "district": _whole(scope),
            "received": sum(r["received"] for r in rows),
            "handled": sum(r["handled"] for r in rows),
        },
        chart=Chart("grouped", "district", ("received", "handled")),
        note=_reports_note(),
    )


def stop_reports(scope: Scope) -> DataTable:
    language = current_language()
    found = transport.reports_by_stop(db.session, scope)
    rows = [
        {
            "stop": stop_name(r.stop, language) if r.stop else (r.reference or _("No stop given")),
            "code": r.reference,
            "received": r.tally.received,
            "handled": r.tally.handled,
        }
        for r in found
    ]
    return DataTable(
        name="stop_reports",
        caption=_("Reports about bus stops received and handled, by stop"),
        columns=[
            Column("stop", _("Bus stop")),
            Column("code", _("Stop code")),
            Column("received", pgettext("requests", "Received"), "count"),
            Column("handled", pgettext("requests", "Handled"), "count"),
        ],
        rows=rows,
        footer={
            "stop": _("All stops"),
            "code": None,
            "received": sum(r["received"] for r in rows),
            "handled": sum(r["handled"] for r in rows),
        },
        note=_reports_note(),
    )


register(
    "transport",
    lambda: _l("Urban transport"),
    {"coverage": coverage, "stop_reports_by_district": stop_reports_by_district, "stop_reports": stop_reports},
)
