"""Sign in, register, sign out, and the user's own account."""

import logging

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from portal.auth.access import home_url
from portal.auth.forms import LoginForm, LogoutForm, PasswordForm, ProfileForm, RegisterForm
from portal.errors import apply_to_form
from portal.extensions import db, limiter
from portal.i18n import current_language, error_message
from portal.security import is_safe_redirect
from services.accounts import service as accounts
from services.errors import ServiceError

bp = Blueprint("auth", __name__)
log = logging.getLogger("portal.auth")


def _account_key() -> str:
    return "login-account:" + (request.form.get("email") or "").strip().lower()[:254]


def _login_failed(_response) -> bool:
    return bool(g.get("login_failed"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_login_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    next_url = request.values.get("next")
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(db.session, form.email.data, form.password.data)
        except ServiceError as exc:
            db.session.rollback()
            g.login_failed = True
            log.warning("login_failed", extra={"reason": exc.code, "remote_addr": request.remote_addr})
            form.form_errors.append(error_message(exc.code))
        else:
            db.session.commit()
            session.clear()  # a fresh session on sign-in: nothing carried over from before
            login_user(user, remember=form.remember.data)
            log.info("login", extra={"user_id": user.id})
            return redirect(next_url if is_safe_redirect(next_url) else home_url(user))
    elif request.method == "POST":
        g.login_failed = True
    return render_template("auth/login.html", form=form, next_url=next_url if is_safe_redirect(next_url) else None)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT_PER_ADDRESS"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = RegisterForm()
    if form.is_submitted():
        valid = form.validate()
        values = {
            "full_name": form.full_name.data,
            "email": form.email.data,
            "password": form.password.data,
            "phone": form.phone.data,
            "cnie": form.cnie.data,
        }
        try:
            if not valid:
                accounts.clean_registration(**values)  # to list every problem at once
            else:
                user = accounts.register_citizen(db.session, **values, locale=current_language())
        except ServiceError as exc:
            db.session.rollback()
            apply_to_form(form, exc)
        else:
            if valid:
                db.session.commit()
                session.clear()
                login_user(user)
                log.info("citizen_registered", extra={"user_id": user.id})
                flash(_("Your account is ready. Welcome to the e-services portal."), "success")
                return redirect(url_for("auth.account"))
    return render_template("auth/register.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    form = LogoutForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        log.info("logout", extra={"user_id": current_user.id})
        logout_user()
        session.clear()
        flash(_("You are signed out."), "success")
    return redirect(url_for("public.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    profile = ProfileForm(prefix="profile")
    if request.method == "GET":
        profile.full_name.data = current_user.full_name
        profile.phone.data = current_user.phone or ""
        profile.language.data = current_user.locale or current_language()
    if profile.validate_on_submit():
        try:
            accounts.update_profile(
                db.session, current_user, full_name=profile.full_name.data, phone=profile.phone.data
            )
            accounts.set_locale(db.session, current_user, profile.language.data)
        except ServiceError as exc:
            db.session.rollback()
            apply_to_form(profile, exc)
        else:
            db.session.commit()
            flash(_("Your details are saved."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", profile=profile, password=PasswordForm(prefix="pw"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            accounts.change_password(db.session, current_user, form.current_password.data, form.new_password.data)
        except ServiceError as exc:
            db.session.rollback()
            apply_to_form(form, exc)
        else:
            db.session.commit()
            # The session token changed: sign in again here so only the others end.
            login_user(current_user._get_current_object())
            log.info("password_changed", extra={"user_id": current_user.id})
            flash(_("Your password is changed. You were signed out on your other devices."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/password.html", form=form)
