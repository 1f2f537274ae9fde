"""Bus coverage for staff and the mayor's office: the share of each district within walking distance of a stop
served often enough on a chosen day, as a table and a map."""

import json

from flask import render_template, request
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from sqlalchemy import select

from gis.transport.coverage import DEFAULT_MIN_DEPARTURES, WALK_M, coverage_by_district
from gis.transport.models import TransitFeed
from portal.auth.access import STAFF_ROLES, roles_required
from portal.errors import apply_to_form
from portal.extensions import db
from portal.i18n import localized
from portal.staff.coverage_forms import CoverageForm
from portal.staff.routes import bp
from services.accounts.models import Role
from services.clock import local
from services.db import utcnow
from services.errors import ServiceError

COVERAGE_ROLES = (*STAFF_ROLES, Role.MAYOR_OFFICE)


def _script_json(value) -> str:
    """JSON safe to put inside a <script> element (no closing tag or HTML comment can appear)."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def _map_data(coverage) -> dict:
    """What the map's script draws: each district's share (by id) and the covered areas, labelled."""
    shares, covered = {}, []
    for row in coverage.districts:
        label = _(
            "%(district)s: %(share)s of the area within walking distance",
            district=localized(row.district),
            share=format_percent(row.share, "#0%"),
        )
        shares[row.district.id] = {"share": round(row.share, 4), "label": label}
        if row.covered_geojson:
            covered.append(
                {
                    "type": "Feature",
                    "id": row.district.id,
                    "geometry": json.loads(row.covered_geojson),
                    "properties": {"label": label},
                }
            )
    return {"shares": shares, "covered": {"type": "FeatureCollection", "features": covered}}


@bp.route("/transport/coverage")
@roles_required(*COVERAGE_ROLES)
def transport_coverage():
    form = CoverageForm(request.args)
    coverage, status = None, 200
    if form.validate():
        if form.date.data is None:
            form.date.data = local(utcnow()).date()
        if form.min_departures.data is None:
            form.min_departures.data = DEFAULT_MIN_DEPARTURES
        try:
            coverage = coverage_by_district(db.session, form.date.data, min_departures=form.min_departures.data)
        except ServiceError as exc:
            apply_to_form(form, exc)
            status = 400
    else:
        status = 400
    return render_template(
        "staff/transport_coverage.html",
        form=form,
        coverage=coverage,
        walk_m=format_decimal(WALK_M, "#,##0"),
        demo_network=bool(db.session.scalar(select(TransitFeed.is_demo).limit(1))),
        map_data=_script_json(_map_data(coverage)) if coverage else None,
    ), status
