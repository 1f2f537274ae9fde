"""Statistics for the mayor's office and heads of department (read-only)."""

from flask import Blueprint, render_template

from gis.districts.queries import district_summaries
from portal.auth.access import DASHBOARD_ROLES, roles_required
from portal.extensions import db

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@roles_required(*DASHBOARD_ROLES)
def index():
    summaries = district_summaries(db.session)
    return render_template(
        "dashboard/index.html",
        summaries=summaries,
        total_population=sum(s.district.population for s in summaries),
        total_area_km2=sum(s.area_km2 for s in summaries),
    )
