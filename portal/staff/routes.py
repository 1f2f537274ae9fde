"""The staff area: agents and heads of department land on their queue; administrators see every department."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from portal.auth.access import STAFF_ROLES, roles_required
from portal.extensions import db
from services.accounts import service as accounts
from services.accounts.models import Role

bp = Blueprint("staff", __name__)


@bp.route("/")
@roles_required(*STAFF_ROLES)
def index():
    if current_user.has_role(Role.AGENT, Role.SUPERVISOR):
        return redirect(url_for("staff.queue"))
    return render_template("staff/index.html", departments=accounts.list_departments(db.session))
