"""The services section: requests received and handled, delays, satisfaction and backlog, by service and district."""

from datetime import timedelta

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from gis.districts.queries import district_summaries
from portal.extensions import db
from portal.i18n import localized
from services.accounts.models import Department, User
from services.catalog.models import Service
from services.stats import figures
from services.stats.figures import Backlog, Delays, Flow
from services.stats.scope import Scope

from ..tables import Chart, Column, DataTable, register

NOTE = _l(
    "Received: requests filed in the period. Resolved, rejected, closed without action and merged: requests "
    "whose outcome was decided in the period; closing a request without action never counts as resolving it. "
    "Times to resolution are in days, from filing to resolution, for the requests resolved in the period (the "
    "median and the 90th percentile are times some request actually took, to the hour)."
)


def _memo(name: str, scope: Scope | None, compute):
    """Figures several tables share are read once per page."""
    cache = g.setdefault("dashboard_figures", {})
    key = (name, scope)
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _flows(scope: Scope, by: str | None = None):
    return _memo(f"flows-{by}", scope, lambda: figures.flows(db.session, scope, by))


def _delays(scope: Scope):
    return _memo("delays", scope, lambda: figures.delays(db.session, scope))


def _backlog(scope: Scope) -> dict[tuple[int, int], Backlog]:
    return _memo("backlog", scope, lambda: figures.backlog(db.session, scope))


def _services() -> dict[int, Service]:
    return _memo(
        "services",
        None,
        lambda: {s.id: s for s in db.session.scalars(select(Service).options(selectinload(Service.versions)))},
    )


def _departments() -> dict[int, Department]:
    return _memo("departments", None, lambda: {d.id: d for d in db.session.scalars(select(Department))})


def _days(hours: int | None) -> float | None:
    return None if hours is None else hours / 24


def _flow_columns() -> list[Column]:
    return [
        Column("received", pgettext("requests", "Received"), "count"),
        Column("resolved", pgettext("requests", "Resolved"), "count"),
        Column("rejected", pgettext("requests", "Rejected"), "count"),
        Column("no_action", pgettext("requests", "Closed without action"), "count"),
        Column("duplicate", _("Merged as duplicates"), "count"),
        Column("on_time", _("Answered within the legal delay"), "percent", 0),
        Column("median_days", _("Median time to resolution (days)"), "days", 1),
        Column("p90_days", _("90th percentile of time to resolution (days)"), "days", 1),
        Column("satisfaction", _("Satisfaction (out of 5)"), "decimal", 1),
        Column("rated", _("Ratings"), "count"),
        Column("backlog", _("Backlog at the end of the period"), "count"),
    ]


def _flow_row(flow: Flow, delay: Delays | None, backlog: Backlog | None) -> dict:
    return {
        "received": flow.received,
        "resolved": flow.resolved,
        "rejected": flow.rejected,
        "no_action": flow.no_action,
        "duplicate": flow.duplicate,
        "on_time": flow.on_time_share,
        "median_days": _days(delay.median) if delay else None,
        "p90_days": _days(delay.p90) if delay else None,
        "satisfaction": flow.satisfaction,
        "rated": flow.rated,
        "backlog": backlog.open if backlog else 0,
    }


def _backlog_by(scope: Scope, index: int) -> dict[int, Backlog]:
    grouped: dict[int, Backlog] = {}
    for key, value in _backlog(scope).items():
        grouped.setdefault(key[index], Backlog()).add(value)
    return grouped


def _total_row(scope: Scope) -> dict:
    total_backlog = Backlog()
    for value in _backlog(scope).values():
        total_backlog.add(value)
    return _flow_row(_flows(scope)[None], _delays(scope)["all"].get(None), total_backlog)


def key_figures(scope: Scope) -> DataTable:
    row = _total_row(scope)
    overdue = sum(b.overdue for b in _backlog(scope).values())
    columns = [c for c in _flow_columns() if c.key != "backlog"] + [
        Column("backlog", _("Backlog at the end of the period"), "count"),
        Column("overdue", _("of which past the legal deadline"), "count"),
    ]
    return DataTable(
        name="key-figures",
        caption=_("Key figures"),
        columns=columns,
        rows=[{**row, "overdue": overdue}],
        note=str(NOTE),
        extra={"layout": "cards"},
    )


def by_service(scope: Scope) -> DataTable:
    services = _services()
    delays = _delays(scope)["service"]
    backlog = _backlog_by(scope, 0)
    rows = []
    for service_id, flow in _flows(scope, "service").items():
        rows.append(
            {
                "service": localized(services[service_id].current),
                **_flow_row(flow, delays.get(service_id), backlog.pop(service_id, None)),
                "service_id": service_id,
            }
        )
    # Services with a backlog but nothing received or handled in the period still show.
    for service_id, waiting in backlog.items():
        rows.append({"service": localized(services[service_id].current), **_flow_row(Flow(), None, waiting)})
    rows.sort(key=lambda r: (-r["received"], r["service"]))
    return DataTable(
        name="by-service",
        caption=_("Requests by service"),
        columns=[Column("service", _("E-service")), *_flow_columns()],
        rows=rows,
        footer={"service": _("All services"), **_total_row(scope)},
        chart=Chart("stacked", "service", ("resolved", "rejected", "no_action", "duplicate")),
    )


def by_department(scope: Scope) -> DataTable:
    departments = _departments()
    delays = _delays(scope)["department"]
    backlog = _backlog_by(scope, 1)
    keys = set(_flows(scope, "department")) | set(backlog)
    flows = _flows(scope, "department")
    rows = [
        {
            "department": localized(departments[d]),
            **_flow_row(flows.get(d, Flow()), delays.get(d), backlog.get(d)),
        }
        for d in keys
    ]
    rows.sort(key=lambda r: (-r["received"], r["department"]))
    return DataTable(
        name="by-department",
        caption=_("Requests by department"),
        columns=[Column("department", _("Department")), *_flow_columns()],
        rows=rows,
        footer={"department": _("All departments"), **_total_row(scope)},
        chart=Chart("grouped", "department", ("received", "resolved")),
    )


def weekly(scope: Scope) -> DataTable:
    days = _flows(scope, "day").items()
    rows = [
        {
            "week": monday,
            "received": flow.received,
            "resolved": flow.resolved,
            "rejected": flow.rejected,
            "no_action": flow.no_action,
        }
        for monday, flow in figures.weeks(days, scope.period.start, scope.period.end)
    ]
    return DataTable(
        name="weekly",
        caption=_("Requests week by week"),
        columns=[
            Column("week", _("Week starting"), "date"),
            Column("received", pgettext("requests", "Received"), "count"),
            Column("resolved", pgettext("requests", "Resolved"), "count"),
            Column("rejected", pgettext("requests", "Rejected"), "count"),
            Column("no_action", pgettext("requests", "Closed without action"), "count"),
        ],
        rows=rows,
        chart=Chart("line", "week", ("received", "resolved", "rejected", "no_action")),
        note=_("Weeks start on Monday; the first and last weeks may be cut by the period."),
    )


def by_district(scope: Scope) -> DataTable:
    received = _flows(scope, "district")
    rows = []
    for s in district_summaries(db.session):
        if scope.district_id not in (None, s.district.id):
            continue
        count = received.get(s.district.id, Flow()).received
        population = s.district.population
        rows.append(
            {
                "district": localized(s.district),
                "population": population,
                "received": count,
                "per_1000": count * 1000 / population if population else None,
                "district_id": s.district.id,
            }
        )
    rows.sort(key=lambda r: r["district"])
    elsewhere = received.get(0, Flow()).received if scope.district_id is None else 0
    population = sum(r["population"] for r in rows)
    total = sum(r["received"] for r in rows)
    return DataTable(
        name="by-district",
        caption=_("Requests per 1,000 inhabitants, by district"),
        columns=[
            Column("district", _("District")),
            Column("population", _("Population"), "count"),
            Column("received", pgettext("requests", "Received"), "count"),
            Column("per_1000", _("Per 1,000 inhabitants"), "decimal", 1),
        ],
        rows=rows,
        footer={
            "district": _("Whole commune") if scope.district_id is None else _("Total"),
            "population": population,
            "received": total,
            "per_1000": total * 1000 / population if population else None,
        },
        chart=Chart("choropleth", "district", ("per_1000",)),
        note=(
            _("%(count)s requests received without a district are not in this table.", count=elsewhere)
            if elsewhere
            else None
        ),
    )


def backlog_age(scope: Scope) -> DataTable:
    total = Backlog()
    for value in _backlog(scope).values():
        total.add(value)
    labels = [_("Up to 7 days"), _("8 to 30 days"), _("31 to 90 days"), _("More than 90 days")]
    rows = [{"age": label, "open": count} for label, count in zip(labels, total.ages, strict=True)]
    return DataTable(
        name="backlog-age",
        caption=_("Backlog at the end of the period, by age"),
        columns=[Column("age", _("Waiting for")), Column("open", _("Requests"), "count")],
        rows=rows if total.open else [],
        footer={"age": _("All"), "open": total.open},
        chart=Chart("bar", "age", ("open",)),
        note=_("Age counted from filing to the end of the period (or to now, if the period has not ended)."),
    )


def overdue_services(scope: Scope) -> DataTable:
    services = _services()
    at = figures.reference_time(scope)
    grouped = _backlog_by(scope, 0)
    rows = [
        {
            "service": localized(services[service_id].current),
            "overdue": b.overdue,
            "open": b.open,
            "oldest_days": (at - b.oldest_filed_at) // timedelta(days=1) if b.oldest_filed_at else None,
        }
        for service_id, b in grouped.items()
        if b.overdue
    ]
    rows.sort(key=lambda r: (-r["overdue"], -(r["oldest_days"] or 0), r["service"]))
    return DataTable(
        name="overdue",
        caption=_("Services with the most requests past their legal deadline"),
        columns=[
            Column("service", _("E-service")),
            Column("overdue", _("Past the legal deadline"), "count"),
            Column("open", _("Waiting in all"), "count"),
            Column("oldest_days", _("Oldest waiting (days)"), "count"),
        ],
        rows=rows[:10],
        chart=Chart("bar", "service", ("overdue",)),
    )


def agents(scope: Scope) -> DataTable:
    loads = _memo("workload", scope, lambda: figures.workload(db.session, scope))
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(loads))))} if loads else {}
    departments = _departments()
    rows = []
    for user_id, load in loads.items():
        person = people[user_id]
        handled = load.handled
        rows.append(
            {
                "agent": person.full_name,
                "department": localized(departments[person.department_id]) if person.department_id else "",
                "resolved": handled.get("resolved", 0),
                "rejected": handled.get("rejected", 0),
                "no_action": handled.get("no_action", 0),
                "duplicate": handled.get("duplicate", 0),
                "open_assigned": load.open_assigned,
            }
        )
    rows.sort(key=lambda r: (r["department"], -(r["resolved"] + r["rejected"] + r["no_action"]), r["agent"]))
    return DataTable(
        name="agents",
        caption=_("Workload per agent"),
        columns=[
            Column("agent", _("Agent")),
            Column("department", _("Department")),
            Column("resolved", pgettext("requests", "Resolved"), "count"),
            Column("rejected", pgettext("requests", "Rejected"), "count"),
            Column("no_action", pgettext("requests", "Closed without action"), "count"),
            Column("duplicate", _("Merged as duplicates"), "count"),
            Column("open_assigned", _("Assigned and waiting now"), "count"),
        ],
        rows=rows,
        chart=Chart("stacked", "agent", ("resolved", "rejected", "no_action")),
        note=_("Handled in the period by who decided; waiting now: open requests assigned to them today."),
    )


register(
    "services",
    lambda: _l("Services"),
    {
        "key-figures": key_figures,
        "by-service": by_service,
        "by-department": by_department,
        "weekly": weekly,
        "by-district": by_district,
        "backlog-age": backlog_age,
        "overdue": overdue_services,
        "agents": agents,
    },
)
