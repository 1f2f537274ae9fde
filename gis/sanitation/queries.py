"""Collection schedules of a place, and the containers that need emptying.

Zones store their hours as local wall-clock times (Africa/Casablanca) and their days as ISO weekday numbers;
the next collection is worked out from the commune's today, not the server's.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from gis import spatial
from gis.districts.models import District
from gis.sanitation.models import CollectionZone, Depot, WasteContainer, Weekday
from services.clock import LOCAL_TZ, local
from services.db import as_utc, utcnow
from services.errors import Invalid, NotFound

# A sensor that has not reported for this long may be showing an old fill level.
STALE_AFTER = timedelta(hours=24)
DEFAULT_THRESHOLD = 80
# A zone must cover at least this share of a district to be offered for it (slivers along shared edges are not).
MIN_DISTRICT_SHARE = 0.01


@dataclass(frozen=True)
class Collection:
    """One collection visit: its local start and end."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Schedule:
    """When a zone is collected, and its next collection from a given moment."""

    zone: CollectionZone
    weekdays: tuple[Weekday, ...]
    start: time
    end: time
    next: Collection | None
    # True while the next collection is under way.
    in_progress: bool = False
    # The share of a district the zone covers, when the schedule was looked up by district.
    share: float | None = None


def next_collection(zone: CollectionZone, now: datetime) -> Collection | None:
    """The first collection of `zone` that has not ended at `now`, in local time; None if it has no days."""
    days = {int(day) for day in zone.weekdays}
    if not days:
        return None
    moment = local(now)
    for offset in range(8):
        day: date = moment.date() + timedelta(days=offset)
        if day.isoweekday() not in days:
            continue
        start = datetime.combine(day, zone.start_time, tzinfo=LOCAL_TZ)
        end = datetime.combine(day, zone.end_time, tzinfo=LOCAL_TZ)
        if end > moment:
            return Collection(start, end)
    return None  # unreachable: a listed weekday comes back within a week


def schedule_of(zone: CollectionZone, now: datetime | None = None, share: float | None = None) -> Schedule:
    now = now or utcnow()
    upcoming = next_collection(zone, now)
    return Schedule(
        zone=zone,
        weekdays=tuple(sorted(zone.weekdays)),
        start=zone.start_time,
        end=zone.end_time,
        next=upcoming,
        in_progress=upcoming is not None and upcoming.start <= now,
        share=share,
    )


def zone_at(session: Session, lon: float, lat: float) -> CollectionZone | None:
    """The collection zone containing the point, if any."""
    return session.scalar(
        select(CollectionZone)
        .where(spatial.contains_point(CollectionZone.geom, lon, lat))
        .order_by(CollectionZone.id)
        .limit(1)
    )


def schedule_at(session: Session, lon: float, lat: float, now: datetime | None = None) -> Schedule | None:
    """The collection schedule of a point, or None when no zone covers it."""
    zone = zone_at(session, lon, lat)
    return schedule_of(zone, now) if zone is not None else None


def district_schedules(session: Session, district_id: int, now: datetime | None = None) -> list[Schedule]:
    """The zones collecting a district, the one covering most of it first, each with the share it covers."""
    district = session.get(District, district_id)
    if district is None:
        raise NotFound("district_not_found", field="district")
    shared = spatial.area_m2(func.ST_Intersection(CollectionZone.geom, District.geom))
    rows = session.execute(
        select(CollectionZone, shared / spatial.area_m2(District.geom))
        .join(District, District.id == district_id)
        .where(spatial.intersects(CollectionZone.geom, District.geom))
    ).all()
    covering = sorted(
        ((zone, share) for zone, share in rows if share is not None and share >= MIN_DISTRICT_SHARE),
        key=lambda row: (-row[1], row[0].code),
    )
    now = now or utcnow()
    return [schedule_of(zone, now, share=min(share, 1.0)) for zone, share in covering]


@dataclass(frozen=True)
class ContainerFill:
    """A container over the threshold, and whether its sensor reading is too old to trust."""

    container: WasteContainer
    stale: bool


def check_threshold(threshold: int) -> int:
    if not 0 <= threshold <= 100:
        raise Invalid("fill_threshold_invalid", field="threshold")
    return threshold


def full_containers(
    session: Session,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    district_id: int | None = None,
    now: datetime | None = None,
    stale_after: timedelta = STALE_AFTER,
) -> list[ContainerFill]:
    """Containers whose last reading is at or above `threshold` percent, fullest first."""
    check_threshold(threshold)
    query = (
        select(WasteContainer)
        .options(selectinload(WasteContainer.district))
        .where(WasteContainer.fill_level.is_not(None), WasteContainer.fill_level >= threshold)
        .order_by(WasteContainer.fill_level.desc(), WasteContainer.code)
    )
    if district_id is not None:
        query = query.where(WasteContainer.district_id == district_id)
    cutoff = (now or utcnow()) - stale_after
    return [ContainerFill(c, c.fill_read_at is None or as_utc(c.fill_read_at) < cutoff) for c in session.scalars(query)]


def container_counts(session: Session, district_id: int | None = None) -> dict[int | None, tuple[int, int]]:
    """{district id (None outside every district): (containers, containers with a fill reading)}."""
    query = select(WasteContainer.district_id, func.count(), func.count(WasteContainer.fill_level)).group_by(
        WasteContainer.district_id
    )
    if district_id is not None:
        query = query.where(WasteContainer.district_id == district_id)
    return {district: (int(total), int(read)) for district, total, read in session.execute(query)}


def list_depots(session: Session) -> list[Depot]:
    return list(session.scalars(select(Depot).order_by(Depot.code)))


def list_zones(session: Session) -> list[CollectionZone]:
    return list(session.scalars(select(CollectionZone).order_by(CollectionZone.code)))
