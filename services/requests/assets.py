"""What a report does to the asset it is about: a street light shows as faulty while a report on it is open."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.lighting import upkeep
from services.errors import NotFound
from services.requests.models import ServiceRequest
from services.workflow.states import OPEN_STATES, Status

_OPEN = tuple(s.value for s in OPEN_STATES)
LIGHT_LAYER = "street_light"


def _others_open(session: Session, request: ServiceRequest) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(ServiceRequest)
            .where(
                ServiceRequest.asset_layer == request.asset_layer,
                ServiceRequest.asset_ref == request.asset_ref,
                ServiceRequest.status.in_(_OPEN),
                ServiceRequest.id != request.id,
            )
        )
    )


def status_changed(
    session: Session, request: ServiceRequest, source: str | None, target: str, *, at: datetime, actor_id=None
) -> None:
    """Keep the asset's state in step with the reports on it (called in the transition's transaction)."""
    if request.asset_layer != LIGHT_LAYER or not request.asset_ref:
        return
    was_open, is_open = source in _OPEN, target in _OPEN
    try:
        if is_open and not was_open:
            upkeep.fault_reported(session, request.asset_ref, request_id=request.id, at=at)
        elif was_open and not is_open and not _others_open(session, request):
            upkeep.reports_ended(
                session,
                request.asset_ref,
                request_id=request.id,
                repaired=target == Status.RESOLVED.value,
                at=at,
                actor_id=actor_id,
            )
    except NotFound:
        return  # the light was removed from the inventory since: the report goes on without it
