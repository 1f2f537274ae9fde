"""A few requests of the demo citizen, filed through the real filing path (idempotent)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.districts.models import District
from services.accounts.models import User
from services.catalog.forms import FieldType, parse_fields
from services.catalog.service import get_service
from services.clock import local
from services.db import utcnow
from services.requests.models import ServiceRequest
from services.requests.service import file_request
from services.requests.uploads import FileStore

# (service code, what the citizen writes, (lon, lat) or None for a district and address only)
DEMO_REQUESTS = [
    ("street-light-outage", "Le lampadaire devant l'école est éteint depuis trois soirs.", (-2.32000, 34.92000)),
    ("container-problem", "الحاوية ممتلئة منذ يومين والنفايات على الرصيف.", None),
    ("residence-certificate", "", None),
]
# A neighbour reports the same dark street lamp about 20 m away: the back office offers to merge the two.
NEIGHBOUR_REQUESTS = [
    ("street-light-outage", "العمود الكهربائي قرب المدرسة لا يشتغل ليلا.", (-2.32015, 34.92012)),
    ("street-light-outage", "Trois lampadaires éteints avenue Hassan II.", (-2.31420, 34.92350)),
]


def _answers(session: Session, fields, text: str, point: tuple[float, float] | None) -> dict[str, str]:
    district = session.scalar(select(District).order_by(District.code).limit(1))
    values: dict[str, str] = {}
    for f in fields:
        if f.type in (FieldType.TEXT, FieldType.TEXTAREA):
            values[f.name] = text or "Berkane"
        elif f.type is FieldType.NUMBER:
            values[f.name] = str(int(f.min) if f.min is not None else 1)
        elif f.type is FieldType.DATE:
            values[f.name] = local(utcnow()).date().isoformat()
        elif f.type is FieldType.CHOICE:
            values[f.name] = f.choices[0].value
        elif f.type is FieldType.YES_NO:
            values[f.name] = "no"
        elif f.type is FieldType.LOCATION and point is not None:
            values[f"{f.name}__lon"], values[f"{f.name}__lat"] = (f"{c:.5f}" for c in point)
            values[f"{f.name}__address"] = "Boulevard Mohammed V"
        elif f.type is FieldType.LOCATION and district is not None:
            values[f"{f.name}__district"] = str(district.id)
            values[f"{f.name}__address"] = "Boulevard Mohammed V"
    return values


def seed_requests(session: Session, citizen_email: str, store: FileStore, requests=DEMO_REQUESTS) -> int:
    """File a demo citizen's requests once; returns how many were filed now."""
    citizen = session.scalar(select(User).where(User.email == citizen_email))
    if citizen is None or session.scalar(select(ServiceRequest.id).where(ServiceRequest.citizen_id == citizen.id)):
        return 0
    filed = 0
    for n, (code, text, point) in enumerate(requests):
        service = get_service(session, code)
        fields = parse_fields(service.current.fields)
        if any(f.type is FieldType.FILE and f.required for f in fields):
            continue
        file_request(
            session,
            service_code=code,
            user=citizen,
            locale=citizen.locale or "ar",
            values=_answers(session, fields, text, point),
            files={},
            idempotency_key=f"demo-request-{citizen.id}-{n}-{code}"[:64],
            store=store,
        )
        filed += 1
    return filed
