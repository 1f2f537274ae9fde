"""Public pages: home, language switch, health check."""

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from gis import spatial
from gis.districts.queries import list_districts
from portal.extensions import db
from portal.i18n import normalise_language
from portal.public.forms import LanguageForm
from portal.security import is_safe_redirect
from services.accounts import service as accounts

bp = Blueprint("public", __name__)


@bp.route("/")
def home():
    return render_template(
        "public/home.html",
        departments=accounts.list_departments(db.session, active_only=True),
        districts=list_districts(db.session),
    )


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch language, remember it in a cookie (and the account), and go back to the same page."""
    form = LanguageForm()
    language = normalise_language(request.form.get("language"))
    if not form.validate_on_submit() or language is None:
        abort(400)
    target = form.next.data if is_safe_redirect(form.next.data) else url_for("public.home")
    if current_user.is_authenticated:
        accounts.set_locale(db.session, current_user, language)
        db.session.commit()
    response = redirect(target)
    response.set_cookie(
        current_app.config["LOCALE_COOKIE_NAME"],
        language,
        max_age=365 * 24 * 3600,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.route("/healthz")
def health():
    """For load balancers: the database answers and its spatial engine is loaded."""
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        version = spatial.backend_version(connection)
    return jsonify(status="ok", spatial=version)
