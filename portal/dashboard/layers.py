"""Figures on the commune's assets (street lights, containers, bus stops) belong to the departments that look after
them: the departments handling the e-services about that layer. Such a figure is not split by department, so a
department that does not look after the layer gets a note that says whose figures they are, never someone else's
figures under its name, nor zeros that would read as "nothing out of order"."""

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import localized
from services.accounts.models import Department
from services.catalog.service import departments_for_layer
from services.stats.scope import Scope


def keepers(layer: str) -> list[Department]:
    """The departments that look after `layer`, by name."""
    ids = departments_for_layer(db.session, layer)
    departments = db.session.scalars(select(Department).where(Department.id.in_(ids))).all() if ids else []
    return sorted(departments, key=localized)


def keepers_text(departments: list[Department]) -> str:
    return format_list([localized(d) for d in departments], locale=get_locale())


def refusal(scope: Scope, layer: str) -> str | None:
    """None when the scope may read the layer's figures; otherwise the note to show instead of them."""
    if scope.department_id is None:
        return None
    departments = keepers(layer)
    if any(d.id == scope.department_id for d in departments):
        return None
    if not departments:
        return _("No department looks after these assets yet: they have no figures for a single department.")
    return _(
        "These figures belong to %(departments)s, which looks after these assets, not to the department chosen.",
        departments=keepers_text(departments),
    )
