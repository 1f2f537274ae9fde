"""Reading the lighting inventory: faults, energy estimates per month, and the LED-retrofit scenario."""

from collections import Counter
from dataclasses import dataclass
from datetime import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from gis.lighting import energy
from gis.lighting.energy import Consumption, DimStep, Load, Retrofit, Technology
from gis.lighting.models import Cabinet, LightPoint, LightStatus
from services.db import Page
from services.errors import Invalid

FAULTY = tuple(s.value for s in LightStatus if s is not LightStatus.WORKING)


def parse_schedule(dimming: list | None) -> tuple[DimStep, ...]:
    """A cabinet's stored dimming steps as energy.DimStep values; Invalid when one is malformed."""
    steps = []
    for raw in dimming or []:
        try:
            steps.append(DimStep(time.fromisoformat(raw["start"]), time.fromisoformat(raw["end"]), float(raw["level"])))
        except (KeyError, TypeError, ValueError):
            raise Invalid("dimming_invalid", field="dimming") from None
    return tuple(steps)


def status_counts(session: Session, district_id: int | None = None) -> dict[str, int]:
    query = select(LightPoint.status, func.count()).group_by(LightPoint.status)
    if district_id is not None:
        query = query.where(LightPoint.district_id == district_id)
    counts = dict(session.execute(query).all())
    return {s.value: counts.get(s.value, 0) for s in LightStatus}


def faulty_lights(session: Session, *, page: int = 1, per_page: int = 50, district_id=None) -> Page[LightPoint]:
    """Lights not working, the longest-standing fault first."""
    where = [LightPoint.status.in_(FAULTY)]
    if district_id is not None:
        where.append(LightPoint.district_id == district_id)
    total = session.scalar(select(func.count()).select_from(LightPoint).where(*where))
    items = session.scalars(
        select(LightPoint)
        .options(selectinload(LightPoint.district), selectinload(LightPoint.street))
        .where(*where)
        .order_by(LightPoint.status_changed_at.asc().nulls_first(), LightPoint.code)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(items), total, page, per_page)


def loads(session: Session, district_id: int | None = None) -> list[Load]:
    """The inventory as one load per dimming schedule: lamps counted and watts summed in the database."""
    query = select(LightPoint.cabinet_id, LightPoint.power_w, func.count()).group_by(
        LightPoint.cabinet_id, LightPoint.power_w
    )
    if district_id is not None:
        query = query.where(LightPoint.district_id == district_id)
    schedules = {c.id: parse_schedule(c.dimming) for c in session.scalars(select(Cabinet))}
    lamps: Counter = Counter()
    watts: Counter = Counter()
    for cabinet_id, power_w, count in session.execute(query):
        schedule = schedules.get(cabinet_id, ())
        lamps[schedule] += count
        watts[schedule] += power_w * count
    # Burning hours depend on the schedule only, so one load per schedule, at the lamps' mean power.
    return [Load(lamps[s], watts[s] / lamps[s], s) for s in sorted(lamps, key=repr)]


@dataclass(frozen=True)
class MonthEnergy:
    month: int
    consumption: Consumption


def year_energy(
    session: Session, year: int, *, tariff_mad_per_kwh: float, co2_kg_per_kwh: float, district_id: int | None = None
) -> list[MonthEnergy]:
    """Estimated kWh, cost and CO2 of the lights, month by month, from dusk and dawn at Berkane."""
    inventory = loads(session, district_id)
    return [
        MonthEnergy(
            month,
            energy.month_consumption(
                year, month, inventory, tariff_mad_per_kwh=tariff_mad_per_kwh, co2_kg_per_kwh=co2_kg_per_kwh
            ),
        )
        for month in range(1, 13)
    ]


def technology_mix(session: Session, district_id: int | None = None) -> list[tuple[Technology, int, int]]:
    """(technology, power in W, number of lamps) over the inventory, or a district's part of it."""
    query = (
        select(LightPoint.technology, LightPoint.power_w, func.count())
        .group_by(LightPoint.technology, LightPoint.power_w)
        .order_by(LightPoint.technology, LightPoint.power_w)
    )
    if district_id is not None:
        query = query.where(LightPoint.district_id == district_id)
    rows = session.execute(query)
    return [(Technology(tech), power, count) for tech, power, count in rows]


def retrofit(
    session: Session,
    year: int,
    *,
    led_ratio: float,
    led_unit_cost_mad: float,
    tariff_mad_per_kwh: float,
    co2_kg_per_kwh: float,
    district_id: int | None = None,
) -> Retrofit:
    """The LED-retrofit scenario over a year of Berkane nights, at full power (dimming left aside)."""
    return energy.led_retrofit(
        technology_mix(session, district_id),
        led_ratio=led_ratio,
        led_unit_cost_mad=led_unit_cost_mad,
        hours_per_year=energy.year_hours(year),
        tariff_mad_per_kwh=tariff_mad_per_kwh,
        co2_kg_per_kwh=co2_kg_per_kwh,
    )
