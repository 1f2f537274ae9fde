"""Catalogue operations. Functions flush, the caller commits."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.accounts.models import Department
from services.catalog.forms import parse_fields
from services.catalog.models import MAX_DELAY, AssetLayer, DelayUnit, Service, ServiceKind, ServiceVersion
from services.catalog.text import normalise
from services.errors import Invalid, NotFound, collect

# What a version holds: changing any of these makes a new version.
VERSIONED = (
    "name_ar",
    "name_fr",
    "description_ar",
    "description_fr",
    "documents",
    "fee_mad",
    "delay_value",
    "delay_unit",
    "target_value",
    "location_required",
    "asset_layer",
    "fields",
)


@dataclass(frozen=True)
class Definition:
    """A checked, normalised service definition."""

    name_ar: str
    name_fr: str
    description_ar: str
    description_fr: str
    documents: list
    fee_mad: Decimal
    delay_value: int
    delay_unit: str
    target_value: int | None
    location_required: bool
    asset_layer: str | None
    fields: list


def _text(value: str, field: str, *, required: bool, limit: int) -> str:
    value = " ".join((value or "").split()) if limit <= 200 else (value or "").strip()
    if required and not value:
        raise Invalid(f"{field}_required", field=field)
    if len(value) > limit:
        raise Invalid("text_too_long", field=field, max=limit)
    return value


def _fee(value) -> Decimal:
    try:
        fee = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise Invalid("fee_invalid", field="fee_mad") from None
    if fee < 0 or fee > Decimal("100000"):
        raise Invalid("fee_invalid", field="fee_mad")
    return fee


def _delay(value, unit) -> tuple[int, str]:
    try:
        unit = DelayUnit(unit)
        value = int(value)
    except (ValueError, TypeError):
        raise Invalid("delay_invalid", field="delay_value") from None
    if not 0 < value <= MAX_DELAY[unit]:
        raise Invalid("delay_beyond_law", field="delay_value", max=MAX_DELAY[unit])
    return value, unit.value


def _target(value, delay_value) -> int | None:
    """The internal target: optional, positive, never beyond the legal delay."""
    if value in (None, ""):
        return None
    try:
        target = int(value)
    except (ValueError, TypeError):
        raise Invalid("target_invalid", field="target_value") from None
    try:
        delay = int(delay_value)
    except (ValueError, TypeError):
        delay = None  # the delay's own error is reported instead
    if target <= 0 or (delay is not None and target > delay):
        raise Invalid("target_beyond_delay", field="target_value")
    return target


def _documents(raw) -> list:
    if not isinstance(raw, list) or not all(
        isinstance(d, dict) and str(d.get("ar", "")).strip() and str(d.get("fr", "")).strip() for d in raw
    ):
        raise Invalid("documents_need_both_languages", field="documents")
    return [{"ar": str(d["ar"]).strip(), "fr": str(d["fr"]).strip()} for d in raw]


def _asset_layer(value) -> str | None:
    if not value:
        return None
    try:
        return AssetLayer(value).value
    except ValueError:
        raise Invalid("asset_layer_unknown", field="asset_layer") from None


def check_definition(**values) -> Definition:
    """Every problem of a definition at once, or the clean Definition."""
    clean = collect(
        name_ar=lambda: _text(values.get("name_ar"), "name_ar", required=True, limit=200),
        name_fr=lambda: _text(values.get("name_fr"), "name_fr", required=True, limit=200),
        description_ar=lambda: _text(values.get("description_ar"), "description_ar", required=False, limit=4000),
        description_fr=lambda: _text(values.get("description_fr"), "description_fr", required=False, limit=4000),
        documents=lambda: _documents(values.get("documents", [])),
        fee_mad=lambda: _fee(values.get("fee_mad", 0)),
        delay=lambda: _delay(values.get("delay_value"), values.get("delay_unit", DelayUnit.WORKING_DAYS.value)),
        asset_layer=lambda: _asset_layer(values.get("asset_layer")),
        target_value=lambda: _target(values.get("target_value"), values.get("delay_value")),
        fields=lambda: [f.to_json() for f in parse_fields(values.get("fields", []))],
    )
    delay_value, delay_unit = clean.pop("delay")
    return Definition(
        **clean,
        delay_value=delay_value,
        delay_unit=delay_unit,
        location_required=bool(values.get("location_required", False)),
    )


def _search_text(code: str, definition: Definition) -> str:
    parts = [code, definition.name_ar, definition.name_fr, definition.description_ar, definition.description_fr]
    return normalise(" ".join(parts))


def save_service(
    session: Session,
    *,
    code: str,
    kind: str,
    department_id: int,
    is_active: bool = True,
    actor_id: int | None = None,
    create: bool = False,
    **definition_values,
) -> Service:
    """Create a service, or record a new version when its definition changed.

    With `create`, an existing service of that code is refused instead of changed.
    """
    code = (code or "").strip().lower()
    if not code or len(code) > 60 or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
        raise Invalid("service_code_invalid", field="code")
    try:
        kind = ServiceKind(kind).value
    except ValueError:
        raise Invalid("service_kind_unknown", field="kind") from None
    department = session.get(Department, department_id)
    if department is None or not department.is_active:
        raise Invalid("department_unknown", field="department_id")
    definition = check_definition(**definition_values)

    service = session.scalar(select(Service).where(Service.code == code))
    if service is not None and create:
        raise Invalid("service_code_taken", field="code")
    if service is None:
        service = Service(code=code)
        session.add(service)
    service.kind, service.department_id, service.is_active = kind, department.id, is_active
    latest = service.versions[-1] if service.versions else None
    if latest is None or any(getattr(latest, k) != getattr(definition, k) for k in VERSIONED):
        version = ServiceVersion(
            version=(latest.version + 1) if latest else 1,
            created_by_id=actor_id,
            **{k: getattr(definition, k) for k in VERSIONED},
        )
        service.versions.append(version)
    service.search_text = _search_text(code, definition)
    session.flush()
    return service


def get_service(session: Session, code: str, *, active_only: bool = True) -> Service:
    stmt = select(Service).where(Service.code == code).options(selectinload(Service.versions))
    service = session.scalar(stmt)
    if service is None or (active_only and not service.is_active):
        raise NotFound("service_not_found")
    return service


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_services(
    session: Session,
    *,
    query: str = "",
    department_id: int | None = None,
    kind: str | None = None,
    active_only: bool = True,
) -> list[Service]:
    """Services matching every word of `query` in either language, any spelling variant."""
    stmt = (
        select(Service)
        .join(Service.department)
        .options(selectinload(Service.versions), selectinload(Service.department))
        .order_by(Department.code, Service.code)
    )
    if active_only:
        stmt = stmt.where(Service.is_active.is_(True))
    if department_id:
        stmt = stmt.where(Service.department_id == department_id)
    if kind:
        stmt = stmt.where(Service.kind == kind)
    for term in normalise(query).split()[:8]:
        stmt = stmt.where(Service.search_text.like(f"%{_like_escape(term)}%", escape="\\"))
    return list(session.scalars(stmt))


def services_for_layer(session: Session, layer: str) -> list[Service]:
    """Active e-services whose current version reports on assets of `layer` (street lights, containers)."""
    services = session.scalars(
        select(Service).where(Service.is_active.is_(True)).options(selectinload(Service.versions)).order_by(Service.id)
    )
    return [s for s in services if s.versions and s.current.asset_layer == layer]


def departments_for_layer(session: Session, layer: str) -> set[int]:
    """Departments that look after a layer: those handling an active e-service about its assets."""
    return {s.department_id for s in services_for_layer(session, layer)}
