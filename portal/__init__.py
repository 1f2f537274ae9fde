"""The web layer: the only package that imports Flask."""

import importlib

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, INSTANCE_DIR, Config, config_from_env
from gis import spatial
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config: type[Config] | None = None, **overrides) -> Flask:
    """Build the portal. `config` defaults to the class PORTAL_ENV names."""
    config = config or config_from_env()
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)  # the default embedded database lives there
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_object(config)
    app.config.update(overrides)
    config.init_app(app)

    from portal.logging import configure_logging

    configure_logging(app)
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    from portal.sessions import PortalSessionInterface

    app.session_interface = PortalSessionInterface()
    register_extensions(app)
    register_blueprints(app)

    from portal.errors import register_error_handlers
    from portal.security import register_security_headers
    from portal.templating import register_template_helpers

    register_error_handlers(app)
    register_security_headers(app)
    register_template_helpers(app)

    from portal.cli import register_commands

    register_commands(app)
    return app


def import_models() -> None:
    """Every model module, so the shared metadata (and so Alembic) knows every table."""
    for module in (
        "gis.districts.models",
        "gis.lighting.models",
        "gis.sanitation.models",
        "gis.transport.models",
        "services.accounts.models",
        "services.casework.models",
        "services.catalog.models",
        "services.certificates.models",
        "services.notifications.models",
        "services.requests.models",
    ):
        importlib.import_module(module)


def register_extensions(app: Flask) -> None:
    import_models()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**spatial.engine_options(url), **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    db.init_app(app)
    with app.app_context():
        spatial.configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)

    from portal.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)

    from portal.auth.access import init_login

    init_login(app, login_manager)


def register_blueprints(app: Flask) -> None:
    from portal.admin.routes import bp as admin_bp
    from portal.auth.routes import bp as auth_bp
    from portal.certificates.routes import bp as certificates_bp
    from portal.citizen import privacy as _citizen_privacy  # noqa: F401 (routes of the citizen blueprint)
    from portal.citizen import requests as _citizen_requests  # noqa: F401 (its routes join the citizen blueprint)
    from portal.citizen.routes import bp as citizen_bp
    from portal.dashboard.routes import bp as dashboard_bp
    from portal.maps.routes import api as maps_api_bp
    from portal.maps.routes import bp as maps_bp
    from portal.ogcapi.routes import bp as ogcapi_bp
    from portal.opendata.routes import bp as opendata_bp
    from portal.public.routes import bp as public_bp
    from portal.sanitation.routes import bp as sanitation_bp
    from portal.staff import casework as _staff_casework  # noqa: F401 (routes of the staff blueprint)
    from portal.staff import coverage as _staff_coverage  # noqa: F401 (routes of the staff blueprint)
    from portal.staff import lighting as _staff_lighting  # noqa: F401 (routes of the staff blueprint)
    from portal.staff import queue as _staff_queue  # noqa: F401 (routes of the staff blueprint)
    from portal.staff.routes import bp as staff_bp
    from portal.transport.routes import bp as transport_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(citizen_bp)
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(dashboard_bp, url_prefix="/dashboard")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(certificates_bp)
    app.register_blueprint(sanitation_bp)
    app.register_blueprint(maps_bp)
    app.register_blueprint(maps_api_bp)
    app.register_blueprint(ogcapi_bp)
    app.register_blueprint(opendata_bp)
    app.register_blueprint(transport_bp)
