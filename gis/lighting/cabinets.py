"""Switching cabinets: their dimming schedule and the readings of their electricity meter."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.lighting import energy
from gis.lighting.models import Cabinet, LightPoint, MeterReading
from gis.lighting.queries import parse_schedule
from services.db import as_utc, utcnow
from services.errors import Invalid, NotFound, collect

MAX_STEPS = 3


def get_cabinet(session: Session, code: str) -> Cabinet:
    cabinet = session.scalar(select(Cabinet).where(Cabinet.code == code))
    if cabinet is None:
        raise NotFound("cabinet_unknown")
    return cabinet


def set_dimming(session: Session, code: str, steps: list[dict]) -> Cabinet:
    """Replace the cabinet's schedule; steps are {"start": "HH:MM", "end": "HH:MM", "level": percent}."""
    cabinet = get_cabinet(session, code)
    clean = []
    for raw in steps:
        if not any(str(raw.get(k) or "").strip() for k in ("start", "end", "level")):
            continue  # an empty row of the form
        try:
            level = Decimal(str(raw.get("level")).strip())
        except InvalidOperation:
            raise Invalid("dimming_invalid", field="dimming") from None
        clean.append(
            {"start": str(raw.get("start")).strip(), "end": str(raw.get("end")).strip(), "level": float(level) / 100}
        )
    if len(clean) > MAX_STEPS:
        raise Invalid("dimming_too_many_steps", field="dimming", max=MAX_STEPS)
    parse_schedule(clean)  # raises dimming_invalid on a bad time, level or an empty step
    cabinet.dimming = clean
    session.flush()
    return cabinet


def record_reading(
    session: Session, code: str, *, read_at: datetime, index_kwh: str, actor_id: int | None, now=None
) -> MeterReading:
    """Add a meter reading; an index lower than an earlier one, or a reading in the future, is refused."""
    cabinet = get_cabinet(session, code)
    now = now or utcnow()

    def index() -> Decimal:
        try:
            value = Decimal(str(index_kwh).strip().replace(",", "."))
        except InvalidOperation:
            raise Invalid("reading_not_a_number", field="index_kwh") from None
        if not value.is_finite() or value < 0:
            raise Invalid("reading_not_a_number", field="index_kwh")
        earlier = session.scalar(
            select(func.max(MeterReading.index_kwh)).where(
                MeterReading.cabinet_id == cabinet.id, MeterReading.read_at <= read_at
            )
        )
        later = session.scalar(
            select(func.min(MeterReading.index_kwh)).where(
                MeterReading.cabinet_id == cabinet.id, MeterReading.read_at > read_at
            )
        )
        if (earlier is not None and value < earlier) or (later is not None and value > later):
            raise Invalid("reading_goes_back", field="index_kwh")
        return value

    def moment() -> datetime:
        if as_utc(read_at) > now:
            raise Invalid("reading_in_future", field="read_at")
        return read_at

    clean = collect(index=index, read_at=moment)
    reading = MeterReading(cabinet=cabinet, read_at=clean["read_at"], index_kwh=clean["index"], recorded_by_id=actor_id)
    session.add(reading)
    session.flush()
    return reading


@dataclass(frozen=True)
class Period:
    start: MeterReading
    end: MeterReading
    metered_kwh: float
    estimated_kwh: float

    @property
    def gap(self) -> float | None:
        """Metered over estimated, minus one: a large gap points at a fault, a theft or a wrong inventory."""
        return self.metered_kwh / self.estimated_kwh - 1 if self.estimated_kwh else None


def periods(session: Session, cabinet: Cabinet) -> list[Period]:
    """Consumption between consecutive readings, metered and estimated from the cabinet's lamps and schedule."""
    schedule = parse_schedule(cabinet.dimming)
    watts = session.scalar(
        select(func.coalesce(func.sum(LightPoint.power_w), 0)).where(LightPoint.cabinet_id == cabinet.id)
    )
    readings = sorted(cabinet.readings, key=lambda r: as_utc(r.read_at))
    result = []
    for start, end in pairwise(readings):
        hours = energy.hours_between(as_utc(start.read_at), as_utc(end.read_at), schedule)
        result.append(Period(start, end, float(end.index_kwh - start.index_kwh), watts * hours / 1000))
    return result
