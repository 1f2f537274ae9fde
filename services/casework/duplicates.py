"""Reports that are probably the same problem: same service, close by and recent, or on the same asset."""

from dataclasses import dataclass
from datetime import timedelta

from geoalchemy2.shape import to_shape
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from gis import spatial
from services.db import as_utc
from services.requests.models import ServiceRequest
from services.workflow.states import OPEN_STATES

RADIUS_M = 50
WINDOW = timedelta(days=14)
LIMIT = 20


@dataclass(frozen=True)
class Candidate:
    request: ServiceRequest
    distance_m: float | None  # None when matched on the asset only, or without a point
    same_asset: bool


def candidates(session: Session, request: ServiceRequest) -> list[Candidate]:
    """Open requests of the same service filed within 14 days of this one, 50 m away at most or on the same asset."""
    filed = as_utc(request.filed_at)
    point = to_shape(request.location) if request.location is not None else None
    same_asset = (
        and_(ServiceRequest.asset_layer == request.asset_layer, ServiceRequest.asset_ref == request.asset_ref)
        if request.asset_ref
        else None
    )
    near = spatial.within_m(ServiceRequest.location, point.x, point.y, RADIUS_M) if point is not None else None
    matches = [m for m in (near, same_asset) if m is not None]
    if not matches:
        return []
    distance = (
        spatial.distance_m(ServiceRequest.location, point.x, point.y).label("distance") if point is not None else None
    )
    columns = [ServiceRequest] + ([distance] if distance is not None else [])
    rows = session.execute(
        select(*columns)
        .where(
            ServiceRequest.id != request.id,
            ServiceRequest.service_id == request.service_id,
            ServiceRequest.department_id == request.department_id,
            ServiceRequest.status.in_([s.value for s in OPEN_STATES]),
            ServiceRequest.merged_into_id.is_(None),
            ServiceRequest.filed_at >= filed - WINDOW,
            ServiceRequest.filed_at <= filed + WINDOW,
            or_(*matches),
        )
        .options(selectinload(ServiceRequest.service_version))
        .order_by(ServiceRequest.filed_at.asc(), ServiceRequest.id.asc())
        .limit(LIMIT)
    ).all()
    found = []
    for row in rows:
        other = row[0]
        metres = row[1] if distance is not None and other.location is not None else None
        found.append(
            Candidate(
                request=other,
                distance_m=round(metres, 1) if metres is not None else None,
                same_asset=bool(request.asset_ref)
                and (other.asset_layer, other.asset_ref) == (request.asset_layer, request.asset_ref),
            )
        )
    return found
