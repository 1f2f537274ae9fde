"""The city map's layer of reported problems: what, where, in which state and since when — never who.

Only problems in public space (reports and complaints) appear: certificates and requests are about a person, their
home or their business. Open requests show, and decided ones for RECENT_DAYS after the decision; unconfirmed,
merged and long-closed ones do not. The properties are the service, the status and the dates, nothing else: no
name, contact, answers, address, files or tracking number.
"""

from datetime import timedelta

from sqlalchemy import DateTime, and_, bindparam, func, or_

from gis import spatial
from gis.layers import Layer
from services.catalog.models import Service, ServiceKind, ServiceVersion
from services.db import utcnow
from services.requests.models import ServiceRequest
from services.workflow.states import DECIDED_STATES, OPEN_STATES, Status

RECENT_DAYS = 30
PUBLIC_KINDS = (ServiceKind.REPORT.value, ServiceKind.COMPLAINT.value)
_OPEN = tuple(s.value for s in OPEN_STATES)
_DECIDED = (*(s.value for s in DECIDED_STATES), Status.CLOSED.value)


def _recent_cutoff():
    return utcnow() - timedelta(days=RECENT_DAYS)


_decided_at = func.coalesce(ServiceRequest.resolved_at, ServiceRequest.closed_at)

REPORTS = Layer(
    name="reports",
    shape="point",
    id=ServiceRequest.id,
    geom=ServiceRequest.location,
    properties={
        "service": Service.code,
        # The service's name when the problem was reported, in both languages.
        "service_name_ar": ServiceVersion.name_ar,
        "service_name_fr": ServiceVersion.name_fr,
        "status": ServiceRequest.status,
        "filed_at": spatial.iso_utc(ServiceRequest.filed_at),
        "decided_at": spatial.iso_utc(_decided_at),
    },
    joins=(
        (Service, Service.id == ServiceRequest.service_id),
        (ServiceVersion, ServiceVersion.id == ServiceRequest.service_version_id),
    ),
    where=(
        Service.kind.in_(PUBLIC_KINDS),
        ServiceRequest.location.is_not(None),
        ServiceRequest.merged_into_id.is_(None),
        or_(
            ServiceRequest.status.in_(_OPEN),
            and_(
                ServiceRequest.status.in_(_DECIDED),
                # Evaluated at each query: the statement itself is built once.
                _decided_at >= bindparam("recent_cutoff", callable_=_recent_cutoff, type_=DateTime(timezone=True)),
            ),
        ),
    ),
    cluster_counts={"open": ServiceRequest.status.in_(_OPEN)},
    min_feature_zoom=15,
    temporal=("filed_at", ServiceRequest.filed_at),
    queryables=("service", "status"),
)
