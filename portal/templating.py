"""What every template can use: language, direction, navigation, formatting."""

from datetime import datetime

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_decimal, format_number
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.auth.access import DASHBOARD_ROLES, STAFF_ROLES
from portal.i18n import (
    KIND_LABELS,
    LANGUAGE_NAMES,
    ROLE_LABELS,
    action_label,
    current_language,
    localized,
    mask_email,
    status_label,
    text_direction,
)
from portal.public.forms import LanguageForm
from portal.sanitation.access import may_plan_collection
from services.accounts.models import Role
from services.db import as_utc

# (endpoint, label, roles that see it or a test of the user; None for everyone)
NAVIGATION = [
    ("public.home", _l("Home"), None),
    ("citizen.catalogue", _l("E-services"), None),
    ("citizen.lookup", _l("Follow a request"), None),
    ("sanitation.collection", _l("Collection days"), None),
    ("maps.city_map", _l("City map"), None),
    ("transport.index", _l("Buses"), None),
    ("citizen.my_requests", _l("My requests"), (Role.CITIZEN,)),
    ("staff.index", _l("Staff area"), STAFF_ROLES),
    ("staff.lighting", _l("Street lighting"), (*STAFF_ROLES, Role.MAYOR_OFFICE)),
    ("staff.transport_coverage", _l("Bus coverage"), (*STAFF_ROLES, Role.MAYOR_OFFICE)),
    ("sanitation.containers", _l("Waste collection"), may_plan_collection),
    ("dashboard.index", _l("Dashboard"), DASHBOARD_ROLES),
    ("admin.index", _l("Administration"), (Role.ADMIN,)),
    ("auth.account", _l("My account"), tuple(Role)),
]


def navigation_for(user) -> list[tuple[str, str]]:
    items = []
    for endpoint, label, roles in NAVIGATION:
        if callable(roles):
            if roles(user):
                items.append((endpoint, label))
        elif roles is None or (user.is_authenticated and user.has_role(*roles)):
            items.append((endpoint, label))
    return items


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def _globals():
        language = current_language()
        return {
            "lang": language,
            "dir": text_direction(),
            "other_languages": [(code, name) for code, name in LANGUAGE_NAMES.items() if code != language],
            "language_form": LanguageForm(),
            "current_path": request.full_path.rstrip("?") if request else "/",
            "navigation": navigation_for(current_user),
            "role_label": lambda role: ROLE_LABELS.get(role, role),
            "localized": localized,
            "kind_label": lambda kind: KIND_LABELS.get(kind, kind),
            "status_label": status_label,
            "action_label": action_label,
            "mask_email": mask_email,
        }

    app.jinja_env.filters.update(
        by_name=lambda items, attribute=None: sorted(
            items, key=lambda item: localized(getattr(item, attribute) if attribute else item)
        ),
        date=lambda value, *args, **kw: format_date(
            as_utc(value) if isinstance(value, datetime) else value, *args, **kw
        ),
        datetime=lambda value, *args, **kw: format_datetime(as_utc(value), *args, **kw),
        number=format_number,
        decimal=format_decimal,
    )
