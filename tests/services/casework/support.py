"""What the casework tests share: a department with its staff, reports with a place, and row counts."""

from dataclasses import dataclass

from sqlalchemy import func, select

from services.accounts.models import Department, Role, User
from services.catalog.models import Service
from services.notifications.models import OutboxMessage
from services.requests.models import RequestEvent, ServiceRequest
from tests.factories import make_request, make_service, make_user

PLACE = [
    {"name": "details", "type": "textarea", "label_ar": "ت", "label_fr": "Détails", "required": True},
    {"name": "place", "type": "location", "label_ar": "م", "label_fr": "Lieu", "required": True},
]
CENTRE = (34.9200, -2.3200)  # lat, lon: inside the test district of tests.factories.make_district


@dataclass
class Office:
    """A department, one e-service of it with a place on the map, and its staff."""

    department: Department
    service: Service
    agent: User
    supervisor: User

    def report(
        self, session, store, *, lat=CENTRE[0], lon=CENTRE[1], text="Lampe éteinte", district="", asset="", **kw
    ):
        """A report filed by a new citizen (or `user`), at a point or, with lat=None, in a declared district."""
        values = {
            "details": text,
            "place__district": str(district or ""),
            "place__lat": "" if lat is None else str(lat),
            "place__lon": "" if lon is None else str(lon),
            "place__address": "Rue des Orangers",
            "place__asset": asset,
        }
        return make_request(session, store, service=self.service, values=values, **kw)


def make_office(session, *, kind: str = "report", department=None, place=True, **service_overrides) -> Office:
    """With place=False, the e-service asks only for details (file with tests.factories.make_request)."""
    fields = PLACE if place else None
    service = make_service(session, kind=kind, department=department, fields=fields, **service_overrides)
    return Office(
        department=service.department,
        service=service,
        agent=make_user(session, Role.AGENT, department=service.department),
        supervisor=make_user(session, Role.SUPERVISOR, department=service.department),
    )


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


@dataclass(frozen=True)
class Snapshot:
    """Everything a refused operation must leave as it was, read from the database."""

    row: tuple
    events: int
    outbox: int


def snapshot(session, request: ServiceRequest) -> Snapshot:
    r = ServiceRequest
    events = select(func.count()).select_from(RequestEvent).where(RequestEvent.request_id == r.id)
    outbox = select(func.count()).select_from(OutboxMessage)
    *row, n_events, n_outbox = session.execute(
        select(
            r.status,
            r.row_version,
            r.department_id,
            r.assigned_to_id,
            r.merged_into_id,
            r.document_requested,
            r.resolved_at,
            r.closed_at,
            events.scalar_subquery(),
            outbox.scalar_subquery(),
        ).where(r.id == request.id)
    ).one()
    return Snapshot(row=tuple(row), events=n_events, outbox=n_outbox)
