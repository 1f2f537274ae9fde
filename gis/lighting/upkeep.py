"""A light's state and upkeep: faults reported on it, repairs, inspections, and the time repairs take.

The requests package tells this module when a report on a light opens or ends (it knows the workflow;
gis does not); each change is written to the light's history in the caller's transaction.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.districts.models import District
from gis.lighting.models import LightMaintenance, LightPoint, LightStatus, MaintenanceKind
from services.db import as_utc, utcnow
from services.errors import Invalid, NotFound

NOTE_MAX = 1000


def get_light(session: Session, code: str) -> LightPoint:
    light = session.scalar(select(LightPoint).where(LightPoint.code == code))
    if light is None:
        raise NotFound("light_unknown")
    return light


def _entry(light: LightPoint, kind: MaintenanceKind, at: datetime, **values) -> LightMaintenance:
    entry = LightMaintenance(kind=kind.value, at=at, status_before=light.status, **values)
    light.history.append(entry)
    return entry


def _set_status(light: LightPoint, status: LightStatus, at: datetime) -> None:
    if light.status != status.value:
        light.status = status.value
        light.status_changed_at = at


def fault_reported(
    session: Session,
    code: str,
    *,
    request_id: int,
    status: LightStatus = LightStatus.OUT,
    at: datetime | None = None,
) -> LightPoint:
    """A report on the light is open: a working light takes the reported fault; a faulty one keeps its own."""
    light = get_light(session, code)
    at = at or utcnow()
    entry = _entry(light, MaintenanceKind.FAULT_REPORTED, at, request_id=request_id)
    if light.status == LightStatus.WORKING.value:
        _set_status(light, status, at)
    entry.status_after = light.status
    session.flush()
    return light


def _fault_started(light: LightPoint) -> datetime | None:
    """When the current fault was first reported: the first report after the last repair or hand-set status."""
    started = None
    for entry in light.history:
        if entry.kind in (MaintenanceKind.REPAIRED.value, MaintenanceKind.STATUS_SET.value):
            started = None
        elif entry.kind == MaintenanceKind.FAULT_REPORTED.value and started is None:
            started = entry
    return started


def reports_ended(
    session: Session, code: str, *, request_id: int, repaired: bool, at: datetime | None = None, actor_id=None
) -> LightPoint:
    """The last open report on the light has ended: repaired, it works again; dismissed, it goes back as it was."""
    light = get_light(session, code)
    at = at or utcnow()
    first = _fault_started(light)
    if repaired:
        entry = _entry(
            light,
            MaintenanceKind.REPAIRED,
            at,
            request_id=request_id,
            actor_id=actor_id,
            fault_started_at=first.at if first is not None else None,
        )
        _set_status(light, LightStatus.WORKING, at)
        light.last_maintenance_at = at
    else:
        entry = _entry(light, MaintenanceKind.STATUS_SET, at, request_id=request_id, actor_id=actor_id)
        restored = first.status_before if first is not None and first.status_before else light.status
        _set_status(light, LightStatus(restored), at)
    entry.status_after = light.status
    session.flush()
    return light


def set_status(
    session: Session, code: str, status: str, *, actor_id: int | None, note: str | None = None, at=None
) -> LightPoint:
    """An agent records what they found on site (an inspection, a lamp replaced)."""
    try:
        wanted = LightStatus(status)
    except ValueError:
        raise Invalid("light_status_unknown", field="status") from None
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        raise Invalid("answer_too_long", field="note", max=NOTE_MAX)
    light = get_light(session, code)
    at = at or utcnow()
    kind = MaintenanceKind.INSPECTED if light.status == wanted.value else MaintenanceKind.STATUS_SET
    entry = _entry(light, kind, at, actor_id=actor_id, note=note)
    _set_status(light, wanted, at)
    if wanted is LightStatus.WORKING:
        light.last_maintenance_at = at
    entry.status_after = light.status
    session.flush()
    return light


@dataclass(frozen=True)
class RepairTimes:
    district: District | None
    repairs: int
    mean_hours: float | None


def mean_time_to_repair(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> list[RepairTimes]:
    """Per district, repairs finished in the period and the mean hours from first report to repair."""
    query = (
        select(LightMaintenance.at, LightMaintenance.fault_started_at, LightPoint.district_id)
        .join(LightPoint, LightPoint.id == LightMaintenance.light_id)
        .where(LightMaintenance.kind == MaintenanceKind.REPAIRED.value, LightMaintenance.fault_started_at.is_not(None))
    )
    if since is not None:
        query = query.where(LightMaintenance.at >= since)
    if until is not None:
        query = query.where(LightMaintenance.at < until)
    totals: dict[int | None, list[float]] = {}
    for at, started, district_id in session.execute(query):
        hours = (as_utc(at) - as_utc(started)).total_seconds() / 3600
        totals.setdefault(district_id, []).append(hours)
    districts = {d.id: d for d in session.scalars(select(District))}
    rows = [
        RepairTimes(districts.get(district_id), len(hours), sum(hours) / len(hours))
        for district_id, hours in totals.items()
    ]
    return sorted(rows, key=lambda r: (r.district is None, r.district.name_fr if r.district else ""))
