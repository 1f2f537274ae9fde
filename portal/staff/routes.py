"""The staff area: a member of staff's department and team."""

from flask import Blueprint, render_template
from flask_login import current_user

from portal.auth.access import STAFF_ROLES, roles_required
from portal.extensions import db
from services.accounts import service as accounts
from services.accounts.models import Role

bp = Blueprint("staff", __name__)


@bp.route("/")
@roles_required(*STAFF_ROLES)
def index():
    if current_user.has_role(Role.ADMIN):
        departments = accounts.list_departments(db.session)
    else:
        departments = [current_user.department]
    return render_template("staff/index.html", departments=departments)
