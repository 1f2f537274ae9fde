"""Domain errors and HTTP errors become responses here, in one place."""

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from portal.i18n import error_message
from services.errors import Conflict, Invalid, InvalidTransition, NotAllowed, NotFound, ServiceError

log = logging.getLogger("portal.errors")

STATUS_FOR = {NotFound: 404, NotAllowed: 403, InvalidTransition: 409, Conflict: 409, Invalid: 400}


def status_for(exc: ServiceError) -> int:
    for cls, status in STATUS_FOR.items():
        if isinstance(exc, cls):
            return status
    return 400


def apply_to_form(form, exc: ServiceError) -> None:
    """Show domain errors next to their fields (or in the summary) of a WTForms form.

    A field that the form's own validators already flagged keeps its message only,
    so a person never reads two messages for one field.
    """
    for error in getattr(exc, "errors", None) or [exc]:
        message = error_message(error.code, **error.params)
        field = getattr(form, error.field, None) if error.field else None
        if field is None:
            form.form_errors.append(message)
        elif not field.errors:
            field.errors = [message]


def _titles():
    return {
        400: _("The request could not be understood"),
        403: _("Access denied"),
        404: _("Page not found"),
        405: _("This action is not allowed here"),
        409: _("Conflict"),
        413: _("The file is too large"),
        429: _("Too many attempts"),
        500: _("Something went wrong on our side"),
    }


def _explanations():
    return {
        400: _("Check what you entered and try again."),
        403: _("Your account does not give access to this page."),
        404: _("Check the address, or go back to the home page."),
        405: _("Go back and use the buttons on the page."),
        409: _("Someone else changed this at the same time. Reload the page and try again."),
        413: _("Send a smaller file."),
        429: _("For your security, this is blocked for a while. Please wait and try again later."),
        500: _("The problem has been recorded. Please try again in a few minutes."),
    }


def render_error(status: int, message: str | None = None):
    status = status if status in _titles() else 500
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=_titles()[status],
            message=message or _explanations()[status],
        ),
        status,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        return render_error(status_for(exc), error_message(exc.code, **exc.params))

    @app.errorhandler(StaleDataError)
    def _stale(exc: StaleDataError):
        # Two people saved the same row at once; the later save is refused rather than overwriting the first.
        log.info("stale_update_refused", extra={"path": request.path})
        return render_error(409, error_message("request_changed"))

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        log.warning("csrf_rejected", extra={"path": request.path, "reason": exc.description})
        return render_error(
            400,
            _("The form had expired or did not come from this site. Go back, reload the page and submit it again."),
        )

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return render_error(exc.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled_error", extra={"path": request.path})
        return render_error(500)
