"""Who may reach what: the login manager and role checks, enforced on the server."""

from functools import wraps

from flask import Flask, abort, url_for
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, LoginManager, current_user

from portal.extensions import db
from services.accounts import service as accounts
from services.accounts.models import Role


class Anonymous(AnonymousUserMixin):
    locale = None
    role = None

    def has_role(self, *roles: Role) -> bool:
        return False


def init_login(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.anonymous_user = Anonymous

    @login_manager.user_loader
    def _load_user(login_id: str):
        return accounts.user_for_login_id(db.session, login_id)


def roles_required(*roles: Role):
    """Anonymous users go to sign-in; signed-in users without one of `roles` get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from portal.extensions import login_manager

                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


STAFF_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
DASHBOARD_ROLES = (Role.MAYOR_OFFICE, Role.SUPERVISOR, Role.ADMIN)


def home_url(user) -> str:
    """Where a user lands after signing in."""
    if user.has_role(Role.ADMIN):
        return url_for("admin.index")
    if user.has_role(Role.MAYOR_OFFICE):
        return url_for("dashboard.index")
    if user.has_role(Role.AGENT, Role.SUPERVISOR):
        return url_for("staff.index")
    return url_for("auth.account")
