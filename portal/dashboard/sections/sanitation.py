"""The sanitation section: citizens' reports by service, dumping hotspots (a table and a map), full containers."""

from flask import url_for
from flask_babel import format_date, format_percent, ngettext, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from gis.districts.queries import list_districts
from gis.sanitation import hotspots as clustering
from gis.sanitation import queries
from portal.extensions import db
from portal.i18n import localized
from services.clock import local
from services.stats import sanitation
from services.stats.scope import Scope

from .. import charts
from ..layers import keepers, keepers_text, refusal
from ..tables import Chart, Column, DataTable, register

LAYER = sanitation.LAYER


def _whole(scope: Scope) -> str:
    return _("Whole commune") if scope.district_id is None else _("Total")


def reports(scope: Scope) -> DataTable:
    departments = keepers(LAYER)
    found = sanitation.reports_by_service(db.session, scope)
    rows = [
        {
            "service": localized(r.service.current),
            "received": r.tally.received,
            "handled": r.tally.handled,
            "service_id": r.service.id,
        }
        for r in found
    ]
    note = _(
        "Received: filed in the period (for a request filed without an account, once its email is confirmed). "
        "Handled: given its outcome in the period: resolved, rejected, closed without action, or joined to "
        "another request as a duplicate."
    )
    if departments:
        note += " " + _("Services of %(departments)s.", departments=keepers_text(departments))
    return DataTable(
        name="reports",
        caption=_("Cleanliness reports and requests received and handled, by service"),
        columns=[
            Column("service", _("E-service")),
            Column("received", pgettext("requests", "Received"), "count"),
            Column("handled", pgettext("requests", "Handled"), "count"),
        ],
        rows=rows,
        footer={
            "service": _("All these services"),
            "received": sum(r["received"] for r in rows),
            "handled": sum(r["handled"] for r in rows),
        },
        chart=Chart("grouped", "service", ("received", "handled")),
        note=note,
    )


def hotspots(scope: Scope) -> DataTable:
    spots = sanitation.period_hotspots(db.session, scope)
    window = sanitation.hotspot_period(scope.period)
    rows = [
        {
            "rank": str(rank),
            "reports": s.spot.count,
            "district": localized(s.district) if s.district else None,
            "lat": s.spot.lat,
            "lon": s.spot.lon,
            "latest": local(s.spot.latest_at).date(),
            "latest_number": s.latest.tracking_number,
            "district_id": s.district.id if s.district else None,
        }
        for rank, s in enumerate(spots, start=1)
    ]
    note = _(
        "Places where at least %(min)s illegal dumping reports filed in the period lie each within %(radius)s m "
        "of another; rejected reports and duplicates are left out.",
        min=clustering.DEFAULT_MIN_POINTS,
        radius=clustering.DEFAULT_RADIUS_M,
    )
    if window != scope.period:
        note += " " + _(
            "Over a period longer than a year, the hotspots are those of its last %(days)s days, from %(start)s: a "
            "place cleaned up long ago is no longer one.",
            days=sanitation.HOTSPOT_MAX_DAYS,
            start=format_date(window.start, "long"),
        )
    # The map the sanitation department's hotspot page draws, with the same script; the table is its alternative.
    points = [
        {
            "at": [round(r["lat"], 7), round(r["lon"], 7)],
            "count": r["reports"],
            "label": ngettext(
                "Hotspot %(rank)s: %(num)s report", "Hotspot %(rank)s: %(num)s reports", r["reports"], rank=r["rank"]
            ),
        }
        for r in rows
    ]
    return DataTable(
        name="hotspots",
        caption=_("Illegal dumping hotspots reported in the period, the most reported first"),
        columns=[
            Column("rank", _("Hotspot")),
            Column("reports", _("Reports"), "count"),
            Column("district", _("District")),
            Column("lat", _("Latitude"), "decimal", 5),
            Column("lon", _("Longitude"), "decimal", 5),
            Column("latest", _("Latest report"), "date"),
            Column("latest_number", _("Tracking number")),
        ],
        rows=rows,
        note=note,
        extra={
            "partial": "dashboard/_hotspots_map.html",
            "map_json": charts.script_json(points),
            "districts_url": url_for("citizen.districts_geojson"),
        },
    )


def containers(scope: Scope) -> DataTable:
    threshold = queries.check_threshold(queries.DEFAULT_THRESHOLD)
    table = DataTable(
        name="containers",
        caption=_("Full containers now, by district"),
        columns=[
            Column("district", _("District")),
            Column("containers", _("Containers"), "count"),
            Column("read", _("With a fill reading"), "count"),
            Column("full", _("Full"), "count"),
            Column("share", _("Share full"), "percent"),
            Column("stale", _("Full, reading over a day old"), "count"),
        ],
        rows=[],
        chart=Chart("choropleth", "district", ("share",)),
        note=_(
            "The latest sensor readings, now whatever the period: a container is full at %(threshold)s or more; "
            "the share is of the containers with a reading.",
            threshold=format_percent(threshold / 100, "#0%"),
        ),
    )
    if (note := refusal(scope, LAYER)) is not None:
        table.note = note
        return table
    counts = queries.container_counts(db.session, scope.district_id)
    full: dict[int | None, list] = {}
    for item in queries.full_containers(db.session, threshold=threshold, district_id=scope.district_id):
        full.setdefault(item.container.district_id, []).append(item)

    def row(label: str, key, **extra) -> dict:
        total, read = counts.get(key, (0, 0))
        found = full.get(key, [])
        return {
            "district": label,
            "containers": total,
            "read": read,
            "full": len(found),
            "share": len(found) / read if read else None,
            "stale": sum(item.stale for item in found),
        } | extra

    districts = sorted((d for d in list_districts(db.session) if scope.district_id in (None, d.id)), key=localized)
    table.rows = [row(localized(d), d.id, district_id=d.id) for d in districts]
    if scope.district_id is None and None in counts:
        table.rows.append(row(_("Outside the districts"), None, district_id=None))
    keys = ("containers", "read", "full", "stale")
    totals = {key: sum(r[key] for r in table.rows) for key in keys}
    table.footer = {
        "district": _whole(scope),
        **totals,
        "share": totals["full"] / totals["read"] if totals["read"] else None,
    }
    return table


register(
    "sanitation",
    lambda: _l("Sanitation"),
    {"reports": reports, "hotspots": hotspots, "containers": containers},
)
