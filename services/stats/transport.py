"""Reports about bus stops over a dashboard scope: received and handled, by stop and by district."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.transport.models import Stop
from services.catalog.models import AssetLayer
from services.requests.models import ServiceRequest
from services.stats.scope import Scope
from services.stats.tally import Tally, tally

LAYER = AssetLayer.BUS_STOP.value
_ON_STOPS = (ServiceRequest.asset_layer == LAYER,)


@dataclass(frozen=True)
class StopReports:
    reference: str | None  # the stop's code in reports; None for a report placed away from any stop
    stop: Stop | None  # None as well when the stop has left the network since
    tally: Tally


def reports_by_stop(session: Session, scope: Scope) -> list[StopReports]:
    """Each stop reported on in the scope, the most reported first."""
    counts = tally(session, scope, ServiceRequest.asset_ref, _ON_STOPS)
    reference = func.coalesce(Stop.code, Stop.stop_id)
    known = [ref for ref in counts if ref is not None]
    # A Result has keys(): dict() would take it for a mapping, so the pairs are unpacked here.
    stops = {
        ref: stop
        for ref, stop in session.execute(select(reference, Stop).where(reference.in_(known), Stop.location_type == 0))
    }
    rows = [StopReports(ref, stops.get(ref), found) for ref, found in counts.items()]
    return sorted(rows, key=lambda r: (-r.tally.received, -r.tally.handled, r.reference is None, r.reference or ""))


def reports_by_district(session: Session, scope: Scope) -> dict[int | None, Tally]:
    """{district where the report was placed (None: outside every district): received and handled}."""
    return tally(session, scope, ServiceRequest.district_id, _ON_STOPS)
