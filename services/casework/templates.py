"""Administrators keep the texts staff reuse: reasons for rejection, public messages, the appeal route.

A template is deactivated, never deleted: what a decision quoted is already copied into
the request's history, and an inactive template is simply no longer offered.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.accounts.models import Department, User
from services.casework.models import ResponseTemplate, TemplateKind
from services.errors import Invalid, NotFound, collect

TITLE_MAX = 200
BODY_MAX = 4000  # what a history entry's note holds


def list_templates(
    session: Session, kind: TemplateKind | str | None = None, include_inactive: bool = True
) -> list[ResponseTemplate]:
    """Templates by kind, the commune-wide ones before a department's, then by French title."""
    stmt = select(ResponseTemplate).order_by(
        ResponseTemplate.kind,
        ResponseTemplate.department_id.is_not(None),
        ResponseTemplate.department_id,
        ResponseTemplate.title_fr,
        ResponseTemplate.id,
    )
    if kind:
        stmt = stmt.where(ResponseTemplate.kind == _kind(kind))
    if not include_inactive:
        stmt = stmt.where(ResponseTemplate.is_active.is_(True))
    return list(session.scalars(stmt))


def get_template(session: Session, template_id: int) -> ResponseTemplate:
    template = session.get(ResponseTemplate, template_id)
    if template is None:
        raise NotFound("template_not_found")
    return template


def _kind(value) -> str:
    try:
        return TemplateKind(value).value
    except ValueError:
        raise Invalid("template_kind_unknown", field="kind") from None


def _title(value: str | None, field: str) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise Invalid(f"{field}_required", field=field)
    if len(value) > TITLE_MAX:
        raise Invalid("text_too_long", field=field, max=TITLE_MAX)
    return value


def _body(value: str | None, field: str) -> str:
    # Paragraphs are kept: the body is quoted as written in a decision or a message.
    value = (value or "").replace("\r\n", "\n").strip()
    if not value:
        raise Invalid(f"{field}_required", field=field)
    if len(value) > BODY_MAX:
        raise Invalid("text_too_long", field=field, max=BODY_MAX)
    return value


def _department(session: Session, value, current: int | None) -> int | None:
    """None for every department; otherwise an active one (or the one the template already had)."""
    if value in (None, ""):
        return None
    try:
        department = session.get(Department, int(value))
    except (TypeError, ValueError):
        department = None
    if department is None or not (department.is_active or department.id == current):
        raise Invalid("department_unknown", field="department_id")
    return department.id


def _is_commune_appeal(kind, department_id, is_active) -> bool:
    return kind == TemplateKind.APPEAL.value and department_id in (None, "") and bool(is_active)


def _keeps_an_appeal_route(session: Session, template: ResponseTemplate, *, kind, department_id, is_active) -> None:
    """Refuse a change that would leave no active commune-wide appeal statement: no rejection could be made."""
    if template.id is None or not _is_commune_appeal(template.kind, template.department_id, template.is_active):
        return
    if _is_commune_appeal(kind, department_id, is_active):
        return
    # Locking every active commune-wide statement, in one order, makes two admins who each
    # withdraw "the other one" at the same moment see each other's change instead of both succeeding.
    ids = session.scalars(
        select(ResponseTemplate.id)
        .where(
            ResponseTemplate.kind == TemplateKind.APPEAL.value,
            ResponseTemplate.department_id.is_(None),
            ResponseTemplate.is_active.is_(True),
        )
        .order_by(ResponseTemplate.id)
        .with_for_update()
    )
    if not [i for i in ids if i != template.id]:
        raise Invalid("last_appeal_route", field="is_active")


def save_template(
    session: Session,
    *,
    template_id: int | None = None,
    kind: str,
    title_ar: str,
    title_fr: str,
    body_ar: str,
    body_fr: str,
    department_id: int | str | None,
    is_active: bool,
    user: User | None,
) -> ResponseTemplate:
    """Create a template, or change one; every problem is reported at once."""
    template = get_template(session, template_id) if template_id is not None else ResponseTemplate()
    clean = collect(
        kind=lambda: _kind(kind),
        title_ar=lambda: _title(title_ar, "title_ar"),
        title_fr=lambda: _title(title_fr, "title_fr"),
        body_ar=lambda: _body(body_ar, "body_ar"),
        body_fr=lambda: _body(body_fr, "body_fr"),
        department_id=lambda: _department(session, department_id, template.department_id),
        appeal_route=lambda: _keeps_an_appeal_route(
            session, template, kind=kind, department_id=department_id, is_active=is_active
        ),
    )
    del clean["appeal_route"]
    for name, value in clean.items():
        setattr(template, name, value)
    template.is_active = bool(is_active)
    template.updated_by_id = user.id if user is not None else None
    if template.id is None:
        session.add(template)
    session.flush()
    return template
