"""How long street lights burn at Berkane, what that costs, and what LED lamps would save.

Lights switch on at dusk and off at dawn, as computed by `astral` for Berkane's position
and the commune's time zone; a cabinet's dimming schedule lowers the power for parts of
the night. All figures are estimates from nameplate power: no meter is read here.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

from astral import Observer
from astral.sun import dawn, dusk

from services.clock import LOCAL_TZ

# Berkane town centre.
BERKANE = Observer(latitude=34.9200, longitude=-2.3200, elevation=150)
# The sun's angle below the horizon at which photocells switch: 0.833° is sunset/sunrise as almanacs give them
# (refraction and the sun's radius included); a cabinet set to civil twilight would use 6.
SWITCH_DEPRESSION = 0.833


class Technology(StrEnum):
    LED = "led"
    HIGH_PRESSURE_SODIUM = "hps"
    METAL_HALIDE = "metal_halide"


@dataclass(frozen=True)
class DimStep:
    """From `start` to `end` (local clock time; may cross midnight) the lamps burn at `level` of full power."""

    start: time
    end: time
    level: float

    def __post_init__(self):
        if not 0 <= self.level <= 1:
            raise ValueError("a dimming level is a fraction between 0 and 1")
        if self.start == self.end:
            raise ValueError("a dimming step needs a start and an end that differ")


def night(
    day: date, *, depression: float = SWITCH_DEPRESSION, observer: Observer = BERKANE
) -> tuple[datetime, datetime]:
    """When the lights go on in the evening of `day` and off the next morning (aware, UTC)."""
    if observer is BERKANE:
        return _berkane_night(day, depression)
    return _night(day, depression, observer)


def _night(day: date, depression: float, observer: Observer) -> tuple[datetime, datetime]:
    on = dusk(observer, day, depression=depression, tzinfo=LOCAL_TZ)
    off = dawn(observer, day + timedelta(days=1), depression=depression, tzinfo=LOCAL_TZ)
    return on.astimezone(UTC), off.astimezone(UTC)


@lru_cache(maxsize=4096)
def _berkane_night(day: date, depression: float) -> tuple[datetime, datetime]:
    """Berkane's nights are asked for again and again (every month, the year, each meter period): computed once."""
    return _night(day, depression, BERKANE)


def _windows(step: DimStep, on: datetime, off: datetime):
    """The step's clock-time windows, as UTC intervals, on each local day the night touches."""
    first = on.astimezone(LOCAL_TZ).date() - timedelta(days=1)
    last = off.astimezone(LOCAL_TZ).date()
    day = first
    while day <= last:
        start = datetime.combine(day, step.start, tzinfo=LOCAL_TZ)
        end_day = day if step.end > step.start else day + timedelta(days=1)
        end = datetime.combine(end_day, step.end, tzinfo=LOCAL_TZ)
        yield start.astimezone(UTC), end.astimezone(UTC)
        day += timedelta(days=1)


def full_power_hours(on: datetime, off: datetime, schedule: Sequence[DimStep] = ()) -> float:
    """Hours at full power equivalent to burning from `on` to `off` under `schedule`."""
    hours = (off - on).total_seconds() / 3600
    for step in schedule:
        for start, end in _windows(step, on, off):
            overlap = (min(end, off) - max(start, on)).total_seconds() / 3600
            if overlap > 0:
                hours -= overlap * (1 - step.level)
    return hours


def nights(year: int, month: int) -> list[date]:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return [first + timedelta(days=n) for n in range((following - first).days)]


def hours_between(
    start: datetime, end: datetime, schedule: Sequence[DimStep] = (), *, depression: float = SWITCH_DEPRESSION
) -> float:
    """Full-power-equivalent burning hours between two moments (two meter readings, say)."""
    total = 0.0
    day = start.astimezone(LOCAL_TZ).date() - timedelta(days=1)
    while day <= end.astimezone(LOCAL_TZ).date():
        on, off = night(day, depression=depression)
        on, off = max(on, start), min(off, end)
        if on < off:
            total += full_power_hours(on, off, schedule)
        day += timedelta(days=1)
    return total


@dataclass(frozen=True)
class Load:
    """Lamps that burn together: how many, the power of each, and their cabinet's schedule."""

    count: int
    power_w: float
    schedule: tuple[DimStep, ...] = ()


@dataclass(frozen=True)
class Consumption:
    kwh: float
    cost_mad: float
    co2_kg: float


def month_consumption(
    year: int,
    month: int,
    loads: Iterable[Load],
    *,
    tariff_mad_per_kwh: float,
    co2_kg_per_kwh: float,
    depression: float = SWITCH_DEPRESSION,
) -> Consumption:
    """Energy, cost and emissions of `loads` over the nights that begin in the month."""
    return nights_consumption(
        nights(year, month),
        loads,
        tariff_mad_per_kwh=tariff_mad_per_kwh,
        co2_kg_per_kwh=co2_kg_per_kwh,
        depression=depression,
    )


def nights_consumption(
    days: Iterable[date],
    loads: Iterable[Load],
    *,
    tariff_mad_per_kwh: float,
    co2_kg_per_kwh: float,
    depression: float = SWITCH_DEPRESSION,
) -> Consumption:
    """Energy, cost and emissions of `loads` over the nights that begin on `days` (part of a month, say)."""
    windows = [night(day, depression=depression) for day in days]
    kwh = 0.0
    for load in loads:
        hours = sum(full_power_hours(on, off, load.schedule) for on, off in windows)
        kwh += load.count * load.power_w * hours / 1000
    return Consumption(kwh=kwh, cost_mad=kwh * tariff_mad_per_kwh, co2_kg=kwh * co2_kg_per_kwh)


def year_hours(year: int, schedule: Sequence[DimStep] = (), *, depression: float = SWITCH_DEPRESSION) -> float:
    """Full-power-equivalent burning hours over the nights that begin in `year`."""
    return sum(
        full_power_hours(*night(day, depression=depression), schedule)
        for month in range(1, 13)
        for day in nights(year, month)
    )


@dataclass(frozen=True)
class Retrofit:
    kwh_before: float
    kwh_after: float
    saving_mad: float
    saving_co2_kg: float
    investment_mad: float

    @property
    def payback_years(self) -> float | None:
        """Years for the yearly saving to repay the investment; None when nothing is saved."""
        return self.investment_mad / self.saving_mad if self.saving_mad > 0 else None


def led_retrofit(
    lamps: Iterable[tuple[Technology, float, int]],
    *,
    led_ratio: float,
    led_unit_cost_mad: float,
    hours_per_year: float,
    tariff_mad_per_kwh: float,
    co2_kg_per_kwh: float,
) -> Retrofit:
    """Every sodium or metal-halide lamp replaced by an LED of `led_ratio` times its power, for a year.

    `lamps` are (technology, power in W, count); LED lamps stay as they are.
    """
    if not 0 < led_ratio <= 1:
        raise ValueError("an LED equivalent draws a fraction of the lamp it replaces")
    before = after = 0.0
    replaced = 0
    for technology, power_w, count in lamps:
        kwh = count * power_w * hours_per_year / 1000
        before += kwh
        if Technology(technology) is Technology.LED:
            after += kwh
        else:
            after += kwh * led_ratio
            replaced += count
    saved = before - after
    return Retrofit(
        kwh_before=before,
        kwh_after=after,
        saving_mad=saved * tariff_mad_per_kwh,
        saving_co2_kg=saved * co2_kg_per_kwh,
        investment_mad=replaced * led_unit_cost_mad,
    )
