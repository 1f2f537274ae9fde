"""Illegal-dumping hotspots: the places citizens' dumping reports crowd together, clustered by the database."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from gis.districts.models import District
from gis.districts.queries import districts_at
from gis.sanitation import hotspots as clustering
from gis.sanitation.hotspots import Hotspot
from services.catalog.models import Service
from services.db import utcnow
from services.errors import Invalid
from services.requests.models import ServiceRequest
from services.workflow.states import Outcome, Status

DUMPING_SERVICE = "illegal-dumping"
DEFAULT_DAYS = 90
MAX_DAYS = 730
# Reports that say nothing about a place's dumping: refused ones, and copies joined to another report. Their
# outcome tells them, not their status: a refused report that is closed afterwards is still refused.
_LEFT_OUT = (Outcome.REJECTED.value, Outcome.DUPLICATE.value)


@dataclass(frozen=True)
class DumpingHotspot:
    spot: Hotspot
    latest: ServiceRequest
    district: District | None


def dumping_reports(since: datetime):
    """The located dumping reports filed since `since`, as the points clustering takes (id, geom, at)."""
    return select(ServiceRequest.id, ServiceRequest.location.label("geom"), ServiceRequest.filed_at.label("at")).where(
        # The service's id first, then its reports of the period from the index on (service, filing time).
        ServiceRequest.service_id == select(Service.id).where(Service.code == DUMPING_SERVICE).scalar_subquery(),
        ServiceRequest.location.is_not(None),
        ServiceRequest.merged_into_id.is_(None),
        ServiceRequest.status != Status.PENDING_CONFIRMATION.value,
        or_(ServiceRequest.outcome.is_(None), ServiceRequest.outcome.not_in(_LEFT_OUT)),
        ServiceRequest.filed_at >= since,
    )


def dumping_hotspots(
    session: Session,
    *,
    days: int = DEFAULT_DAYS,
    radius_m: float = clustering.DEFAULT_RADIUS_M,
    min_reports: int = clustering.DEFAULT_MIN_POINTS,
    now: datetime | None = None,
) -> list[DumpingHotspot]:
    """Hotspots of the last `days` days' dumping reports, the most reported first, with their latest report."""
    if not 1 <= days <= MAX_DAYS:
        raise Invalid("hotspot_days_invalid", field="days", max=MAX_DAYS)
    since = (now or utcnow()) - timedelta(days=days)
    return hotspots_of(session, dumping_reports(since), radius_m=radius_m, min_reports=min_reports)


def hotspots_of(
    session: Session,
    reports: Select,
    *,
    radius_m: float = clustering.DEFAULT_RADIUS_M,
    min_reports: int = clustering.DEFAULT_MIN_POINTS,
) -> list[DumpingHotspot]:
    """Hotspots of the reports `reports` selects (dumping_reports, narrowed as the caller needs)."""
    spots = clustering.hotspots(session, reports, radius_m=radius_m, min_points=min_reports)
    latest = {
        r.id: r
        for r in session.scalars(select(ServiceRequest).where(ServiceRequest.id.in_([s.latest_id for s in spots])))
    }
    districts = districts_at(session, [(s.lon, s.lat) for s in spots])
    return [DumpingHotspot(s, latest[s.latest_id], d) for s, d in zip(spots, districts, strict=True)]
