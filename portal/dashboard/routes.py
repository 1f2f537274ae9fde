"""The mayor's office dashboard: one page per section (services, lighting, sanitation, transport), read-only.

Every figure is a DataTable built for the scope the filters select; the page shows each as a table (and a
chart when it has one), and each table can be downloaded as CSV, XLSX or JSON with the same filters.
"""

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from gis.districts.models import District
from portal.auth.access import DASHBOARD_ROLES, roles_required
from portal.extensions import db
from portal.i18n import localized
from services.accounts.models import Department

from . import exports
from .formatting import cell
from .scope import read_filters
from .tables import SECTIONS

bp = Blueprint("dashboard", __name__)

# The sections register themselves when imported.
from . import sections  # noqa: E402, F401

DEFAULT_SECTION = "services"


@bp.route("/", endpoint="index", defaults={"slug": DEFAULT_SECTION})
@bp.route("/<slug>")
@roles_required(*DASHBOARD_ROLES)
def section(slug: str):
    current = SECTIONS.get(slug) or abort(404)
    form, scope = read_filters(request.args)
    tables = current.build(scope) if scope is not None else []
    return render_template(
        "dashboard/section.html",
        sections=SECTIONS,
        current=current,
        form=form,
        scope=scope,
        tables=tables,
        query=_filters_query(),
    ), (200 if scope is not None else 400)


@bp.route("/<slug>/<name>.<fmt>")
@roles_required(*DASHBOARD_ROLES)
def export(slug: str, name: str, fmt: str):
    current = SECTIONS.get(slug) or abort(404)
    builder = current.builders.get(name) or abort(404)
    if fmt not in exports.FORMATS:
        abort(404)
    form, scope = read_filters(request.args)
    if scope is None:
        return render_template(
            "dashboard/section.html", sections=SECTIONS, current=current, form=form, scope=None, tables=[], query={}
        ), 400
    return exports.respond(builder(scope), fmt, scope, slug)


@bp.context_processor
def _helpers():
    return {
        "cell": cell,
        "export_url": export_url,
        "export_formats": [(fmt, exports.FORMAT_LABELS[fmt]) for fmt in exports.FORMATS],
        "scope_sentence": scope_sentence,
    }


def scope_sentence(scope) -> str:
    """The scope in words, above the figures, in exports and in the report."""
    where = localized(db.session.get(District, scope.district_id)) if scope.district_id else _("the whole commune")
    who = localized(db.session.get(Department, scope.department_id)) if scope.department_id else _("all departments")
    return _(
        "From %(start)s to %(end)s (included), %(where)s, %(who)s.",
        start=format_date(scope.period.start, "long"),
        end=format_date(scope.period.end, "long"),
        where=where,
        who=who,
    )


def _filters_query() -> dict:
    """The filters as given, to carry them into tabs and export links."""
    return {k: v for k, v in request.args.items() if k in ("period", "start", "end", "district", "department") and v}


def export_url(slug: str, name: str, fmt: str, query: dict) -> str:
    return url_for("dashboard.export", slug=slug, name=name, fmt=fmt, **query)


# The monthly PDF report and the charts' template helpers register themselves on this blueprint.
from . import report  # noqa: E402, F401
