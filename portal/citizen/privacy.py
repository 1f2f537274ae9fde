"""Law 09-08 rights of a citizen: a copy of their data, and the erasure of their account."""

import json
import logging

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from portal.auth.access import roles_required
from portal.citizen.forms import DeleteAccountForm
from portal.citizen.routes import bp
from portal.errors import apply_to_form
from portal.extensions import db
from services.accounts.models import Role
from services.errors import ServiceError
from services.requests import privacy
from services.requests.uploads import FileStore

log = logging.getLogger("portal.privacy")


@bp.route("/account/data.json")
@roles_required(Role.CITIZEN)
def export_data():
    data = privacy.export_data(db.session, current_user)
    response = current_app.response_class(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="berkane-my-data.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@roles_required(Role.CITIZEN)
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        user_id = current_user.id
        try:
            files = privacy.delete_account(db.session, current_user, password=form.password.data)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            apply_to_form(form, exc)
            return render_template("citizen/delete_account.html", form=form), 400
        store = FileStore(current_app.config["UPLOAD_DIR"])
        for key in files:
            store.delete(key)
        log.info("account_erased", extra={"user_id": user_id, "files": len(files)})
        logout_user()
        session.clear()
        flash(_("Your account and your personal data are deleted."), "success")
        return redirect(url_for("public.home"))
    return render_template("citizen/delete_account.html", form=form), 400 if form.is_submitted() else 200
