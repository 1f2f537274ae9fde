"""The street-lighting section: lights out now, repair times, the period's energy and the LED-retrofit scenario.

Every figure here is the lighting department's (see ..layers): the inventory is not split by department.
"""

from datetime import date, timedelta

from flask import current_app
from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from gis.districts.queries import list_districts
from gis.lighting import energy, queries, upkeep
from gis.lighting.energy import Technology
from gis.lighting.models import LightStatus
from portal.extensions import db
from portal.i18n import LIGHT_STATUS_LABELS, localized
from services.catalog.models import AssetLayer
from services.clock import local
from services.db import as_utc, utcnow
from services.stats.scope import Period, Scope
from services.stats.tally import utc_bounds

from ..layers import refusal
from ..tables import Chart, Column, DataTable, register

LAYER = AssetLayer.STREET_LIGHT.value
FAULTS = [s for s in LightStatus if s is not LightStatus.WORKING]
OLDEST = 10


def _districts(scope: Scope):
    return sorted((d for d in list_districts(db.session) if scope.district_id in (None, d.id)), key=localized)


def _whole(scope: Scope) -> str:
    return _("Whole commune") if scope.district_id is None else _("Total")


def _refused(table: DataTable, note: str) -> DataTable:
    table.rows, table.footer, table.note = [], None, note
    return table


def outages(scope: Scope) -> DataTable:
    columns = [
        Column("district", _("District")),
        Column("lights", _("Light points"), "count"),
        *(Column(s.value, str(LIGHT_STATUS_LABELS[s.value]), "count") for s in FAULTS),
        Column("not_working", _("Not working"), "count"),
        Column("share", _("Share not working"), "percent"),
    ]
    table = DataTable(
        name="outages",
        caption=_("Street lights not working now, by district"),
        columns=columns,
        rows=[],
        chart=Chart("choropleth", "district", ("share",)),
        note=_("The state recorded for each light point now, whatever the period."),
    )
    if (note := refusal(scope, LAYER)) is not None:
        return _refused(table, note)

    def row(label: str, counts: dict[str, int], **extra) -> dict:
        lights = sum(counts.values())
        down = lights - counts[LightStatus.WORKING.value]
        share = down / lights if lights else None
        faults = {s.value: counts[s.value] for s in FAULTS}
        return {"district": label, "lights": lights, **faults, "not_working": down, "share": share} | extra

    per_district = [(d, queries.status_counts(db.session, d.id)) for d in _districts(scope)]
    table.rows = [row(localized(d), counts, district_id=d.id) for d, counts in per_district]
    whole = queries.status_counts(db.session, scope.district_id)
    if scope.district_id is None:
        # Lights the inventory places in no district still count in the commune's total.
        outside = {code: whole[code] - sum(counts[code] for _d, counts in per_district) for code in whole}
        if any(outside.values()):
            table.rows.append(row(_("Outside the districts"), outside, district_id=None))
    table.footer = row(_whole(scope), whole)
    return table


def oldest_faults(scope: Scope) -> DataTable:
    table = DataTable(
        name="oldest_faults",
        caption=_("The longest-standing faults"),
        columns=[
            Column("light", _("Light point")),
            Column("state", _("State")),
            Column("since", _("Since"), "date"),
            Column("days", _("Days out of order"), "days", 0),
            Column("district", _("District")),
            Column("street", _("Street")),
        ],
        rows=[],
        note=_("The lights not working now that have been so the longest, at most ten of them."),
    )
    if (note := refusal(scope, LAYER)) is not None:
        return _refused(table, note)
    today = local(utcnow()).date()
    for light in queries.faulty_lights(db.session, per_page=OLDEST, district_id=scope.district_id).items:
        since = local(as_utc(light.status_changed_at)).date() if light.status_changed_at else None
        table.rows.append(
            {
                "light": light.code,
                "state": str(LIGHT_STATUS_LABELS.get(light.status, light.status)),
                "since": since,
                "days": (today - since).days if since else None,
                "district": localized(light.district) if light.district else None,
                "street": localized(light.street) if light.street else None,
                "district_id": light.district_id,
            }
        )
    return table


def repairs(scope: Scope) -> DataTable:
    table = DataTable(
        name="repairs",
        caption=_("Mean time to repair a street light, by district"),
        columns=[
            Column("district", _("District")),
            Column("repairs", _("Repairs"), "count"),
            Column("mean_hours", _("Mean time to repair (hours)"), "decimal", 1),
        ],
        rows=[],
        chart=Chart("bar", "district", ("mean_hours",)),
        note=_("Repairs finished in the period, each timed from the first report of its fault to the repair."),
    )
    if (note := refusal(scope, LAYER)) is not None:
        return _refused(table, note)
    since, until = utc_bounds(scope.period)
    found = [
        r
        for r in upkeep.mean_time_to_repair(db.session, since=since, until=until)
        if scope.district_id is None or (r.district is not None and r.district.id == scope.district_id)
    ]
    for r in sorted(found, key=lambda r: (r.district is None, localized(r.district) if r.district else "")):
        table.rows.append(
            {
                "district": localized(r.district) if r.district else _("Outside the districts"),
                "repairs": r.repairs,
                "mean_hours": r.mean_hours,
                "district_id": r.district.id if r.district else None,
            }
        )
    count = sum(r.repairs for r in found)
    table.footer = {
        "district": _whole(scope),
        "repairs": count,
        "mean_hours": sum(r.repairs * r.mean_hours for r in found) / count if count else None,
    }
    return table


def months(period: Period) -> list[tuple[date, list[date]]]:
    """The months the period touches, each with its days inside the period (the nights that begin then)."""
    found: dict[date, list[date]] = {}
    day = period.start
    while day <= period.end:
        found.setdefault(day.replace(day=1), []).append(day)
        day += timedelta(days=1)
    return list(found.items())


def _rates() -> tuple[float, float]:
    config = current_app.config
    return config["LIGHTING_TARIFF_MAD_PER_KWH"], config["LIGHTING_CO2_KG_PER_KWH"]


def energy_use(scope: Scope) -> DataTable:
    tariff, co2 = _rates()
    table = DataTable(
        name="energy",
        caption=_("Estimated energy, cost and emissions of the street lights, by month"),
        columns=[
            Column("month", _("Month")),
            Column("nights", _("Nights counted"), "count"),
            Column("kwh", _("Energy (kWh)"), "decimal", 0),
            Column("cost_mad", _("Cost (MAD)"), "decimal", 0),
            Column("co2_kg", _("CO2 (kg)"), "decimal", 0),
        ],
        rows=[],
        chart=Chart("bar", "month", ("kwh",)),
        note=_(
            "Estimates from today's lamps and dimming schedules and the hours from dusk to dawn at Berkane, at "
            "%(tariff)s MAD and %(factor)s kg of CO2 per kWh; a month the period covers in part counts its nights "
            "in the period only.",
            tariff=format_decimal(tariff, "0.00"),
            factor=format_decimal(co2, "0.00"),
        ),
    )
    if (note := refusal(scope, LAYER)) is not None:
        return _refused(table, note)
    loads = queries.loads(db.session, scope.district_id)
    for first, days in months(scope.period):
        used = energy.nights_consumption(days, loads, tariff_mad_per_kwh=tariff, co2_kg_per_kwh=co2)
        table.rows.append(
            {
                "month": format_date(first, "LLLL y"),
                "nights": len(days),
                "kwh": used.kwh,
                "cost_mad": used.cost_mad,
                "co2_kg": used.co2_kg,
            }
        )
    table.footer = {
        "month": _("Period"),
        **{key: sum(r[key] for r in table.rows) for key in ("nights", "kwh", "cost_mad", "co2_kg")},
    }
    return table


def led(scope: Scope) -> DataTable:
    config = current_app.config
    tariff, co2 = _rates()
    ratio, unit_cost = config["LED_EQUIVALENT_RATIO"], config["LED_UNIT_COST_MAD"]
    year = scope.period.end.year
    table = DataTable(
        name="led",
        caption=_("LED lamps today, and what replacing the others would save each year, by district"),
        columns=[
            Column("district", _("District")),
            Column("lights", _("Light points"), "count"),
            Column("led_share", _("LED share"), "percent"),
            Column("saving_kwh", _("Energy saved (kWh a year)"), "decimal", 0),
            Column("saving_mad", _("Saving (MAD a year)"), "decimal", 0),
            Column("saving_co2_t", _("CO2 avoided (t a year)"), "decimal", 1),
            Column("investment_mad", _("Investment (MAD)"), "decimal", 0),
            Column("payback_years", _("Payback (years)"), "decimal", 1),
        ],
        rows=[],
        chart=Chart("choropleth", "district", ("led_share",)),
        note=_(
            "Every sodium or metal-halide lamp replaced by an LED drawing %(ratio)s of its power, at %(cost)s MAD "
            "a lamp, over the nights of %(year)s at full power, at %(tariff)s MAD and %(factor)s kg of CO2 per kWh.",
            ratio=format_percent(ratio, "#0%"),
            cost=format_decimal(unit_cost, "#,##0"),
            year=year,
            tariff=format_decimal(tariff, "0.00"),
            factor=format_decimal(co2, "0.00"),
        ),
    )
    if (note := refusal(scope, LAYER)) is not None:
        return _refused(table, note)

    def row(label: str, key: int | None, **extra) -> dict | None:
        mix = queries.technology_mix(db.session, key)
        lights = sum(count for _tech, _power, count in mix)
        if not lights:
            return None
        scenario = queries.retrofit(
            db.session,
            year,
            led_ratio=ratio,
            led_unit_cost_mad=unit_cost,
            tariff_mad_per_kwh=tariff,
            co2_kg_per_kwh=co2,
            district_id=key,
        )
        return {
            "district": label,
            "lights": lights,
            "led_share": sum(count for tech, _power, count in mix if tech is Technology.LED) / lights,
            "saving_kwh": scenario.kwh_before - scenario.kwh_after,
            "saving_mad": scenario.saving_mad,
            "saving_co2_t": scenario.saving_co2_kg / 1000,
            "investment_mad": scenario.investment_mad,
            "payback_years": scenario.payback_years,
        } | extra

    for district in _districts(scope):
        if (found := row(localized(district), district.id, district_id=district.id)) is not None:
            table.rows.append(found)
    table.footer = row(_whole(scope), scope.district_id)
    return table


register(
    "lighting",
    lambda: _l("Street lighting"),
    {
        "outages": outages,
        "oldest_faults": oldest_faults,
        "repairs": repairs,
        "energy": energy_use,
        "led": led,
    },
)
