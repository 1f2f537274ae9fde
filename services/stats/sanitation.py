"""Sanitation figures that read citizens' requests: reports by service, and the period's dumping hotspots."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from gis.sanitation import hotspots as clustering
from services.catalog.models import AssetLayer, Service
from services.catalog.service import departments_for_layer
from services.requests.models import ServiceRequest
from services.sanitation.hotspots import DUMPING_SERVICE, DumpingHotspot, dumping_reports, hotspots_of
from services.stats import figures
from services.stats.scope import Period, Scope
from services.stats.tally import Tally, scope_filters, utc_bounds

# The departments that look after waste containers are the commune's sanitation services.
LAYER = AssetLayer.WASTE_CONTAINER.value


def sanitation_services(session: Session) -> list[Service]:
    """Every service of the departments that look after waste containers, and the illegal-dumping report."""
    departments = departments_for_layer(session, LAYER)
    return list(
        session.scalars(
            select(Service)
            .options(selectinload(Service.versions))
            .where(or_(Service.department_id.in_(departments), Service.code == DUMPING_SERVICE))
            .order_by(Service.id)
        )
    )


@dataclass(frozen=True)
class ServiceReports:
    service: Service
    tally: Tally


def reports_by_service(session: Session, scope: Scope) -> list[ServiceReports]:
    """Requests received and handled in the scope for each sanitation service (a withdrawn one only if it had any)."""
    services = sanitation_services(session)
    flows = figures.flows(session, scope, "service")
    counts = {
        service_id: Tally(flow.received, flow.resolved + flow.rejected + flow.no_action + flow.duplicate)
        for service_id, flow in flows.items()
    }
    return [
        ServiceReports(s, counts.get(s.id, Tally()))
        for s in services
        if s.versions and (s.is_active or counts.get(s.id, Tally()) != Tally())
    ]


# A hotspot is a place where dumping crowds now: over a longer period, the hotspots are those of its last year (a
# place cleaned up years ago would otherwise stay one, and clustering years of reports takes longer than a page may).
HOTSPOT_MAX_DAYS = 365


def hotspot_period(period: Period) -> Period:
    """The days whose reports make the period's hotspots: the period, or its last HOTSPOT_MAX_DAYS days."""
    if period.days <= HOTSPOT_MAX_DAYS:
        return period
    return Period(period.end - timedelta(days=HOTSPOT_MAX_DAYS - 1), period.end)


def period_hotspots(
    session: Session,
    scope: Scope,
    *,
    radius_m: float = clustering.DEFAULT_RADIUS_M,
    min_reports: int = clustering.DEFAULT_MIN_POINTS,
) -> list[DumpingHotspot]:
    """Hotspots of the dumping reports filed in the scope's district and department, over hotspot_period."""
    start, end = utc_bounds(hotspot_period(scope.period))
    reports = dumping_reports(start).where(ServiceRequest.filed_at < end, *scope_filters(scope))
    return hotspots_of(session, reports, radius_m=radius_m, min_reports=min_reports)
