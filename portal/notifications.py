"""Emails in their reader's language: rendering outbox messages, and the SMTP transport from the settings."""

from datetime import UTC, date, datetime

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.i18n import FORMAT_LOCALES, status_label
from services.notifications.models import MessageKind, MessageStatus, OutboxMessage
from services.notifications.smtp import SmtpTransport

# The back office's names for message kinds and states.
KIND_LABELS = {
    MessageKind.REQUEST_RECEIVED.value: _l("Request received"),
    MessageKind.STATUS_CHANGED.value: _l("Status changed"),
    MessageKind.CONFIRM_CONTACT.value: _l("Email address confirmation"),
    MessageKind.MESSAGE_POSTED.value: _l("Message from the department"),
    MessageKind.OVERDUE_DIGEST.value: _l("Overdue requests reminder"),
}
STATUS_LABELS = {
    MessageStatus.PENDING.value: _l("Waiting to be sent"),
    MessageStatus.SENT.value: _l("Sent"),
    MessageStatus.FAILED.value: _l("Failed"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def message_status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def transport_from_config(config) -> SmtpTransport:
    """The SMTP transport the MAIL_* settings describe."""
    return SmtpTransport(
        host=config["MAIL_SERVER"],
        port=int(config["MAIL_PORT"]),
        sender=config["MAIL_SENDER"],
        security=(config["MAIL_SECURITY"] or "none").strip().lower(),
        username=config["MAIL_USERNAME"] or None,
        password=config["MAIL_PASSWORD"] or None,
        timeout=float(config["MAIL_TIMEOUT"]),
    )


def absolute_url(path: str) -> str:
    """A link that works from a mail client: the portal's public address, then the path."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/{(path or '').lstrip('/')}"


def _parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _in_language(context: dict, key: str, language: str) -> str:
    """A bilingual value of the context (key_ar / key_fr) in the email's language, else the other one."""
    return context.get(f"{key}_{language}") or context.get(f"{key}_fr") or context.get(f"{key}_ar") or ""


def _digest_item(item: dict, language: str) -> dict:
    """One request of a supervisor's reminder, as the templates show it."""
    return {
        "tracking_number": item.get("tracking_number", ""),
        "service_name": _in_language(item, "service_name", language),
        "status": status_label(item["status"], staff=True) if item.get("status") else "",
        "deadline_at": _parse_datetime(item.get("deadline_at")),
        "assignee": item.get("assignee") or "",
        "url": absolute_url(item.get("path", "/")),
    }


def _template_context(message: OutboxMessage) -> dict:
    """What every email template reads; the context's keys are the contract with services/requests."""
    context = message.context or {}
    language = message.locale
    service_name = _in_language(context, "service_name", language)
    return {
        "lang": language,
        "dir": "rtl" if language == "ar" else "ltr",
        # Mail clients ignore logical CSS values, so the side text starts on is spelled out.
        "align": "right" if language == "ar" else "left",
        "tracking_number": context.get("tracking_number", ""),
        "service_name": service_name,
        "url": absolute_url(context.get("path", "/")),
        "filed_at": _parse_datetime(context.get("filed_at")),
        "deadline": date.fromisoformat(context["deadline"]) if context.get("deadline") else None,
        "status": status_label(context["status"]) if context.get("status") else "",
        "public_message": (context.get("message") or "").strip(),
        "home_url": absolute_url("/"),
        # A rejection states how to contest it, already in the citizen's language.
        "appeal": (context.get("appeal") or "").strip(),
        # The request this one was joined to: news of it (a follower), or the merge itself (status "duplicate").
        "master": context.get("master") or "",
        "merged": context.get("status") == "duplicate",
        # Re-routed: the department that handles the request now; a supervisor's digest: their department.
        "department": _in_language(context, "department", language),
        "overdue": [_digest_item(item, language) for item in context.get("overdue") or []],
        "due_soon": [_digest_item(item, language) for item in context.get("due_soon") or []],
        "overdue_count": int(context.get("overdue_count") or 0),
        "due_soon_count": int(context.get("due_soon_count") or 0),
        "due_soon_url": absolute_url("/staff/queue?due=soon"),
    }


def _subject(kind: str, values: dict) -> str:
    number = values["tracking_number"]
    if kind == MessageKind.REQUEST_RECEIVED:
        return _("We have received your request %(number)s", number=number)
    if kind == MessageKind.STATUS_CHANGED:
        return _("Your request %(number)s: %(status)s", number=number, status=values["status"])
    if kind == MessageKind.CONFIRM_CONTACT:
        return _("Confirm your email address for request %(number)s", number=number)
    if kind == MessageKind.MESSAGE_POSTED:
        return _("New message about your request %(number)s", number=number)
    if kind == MessageKind.OVERDUE_DIGEST:
        department = values["department"]
        if values["overdue_count"]:
            return ngettext(
                "%(num)s overdue request in %(department)s",
                "%(num)s overdue requests in %(department)s",
                values["overdue_count"],
                department=department,
            )
        return ngettext(
            "%(num)s request due within 48 hours in %(department)s",
            "%(num)s requests due within 48 hours in %(department)s",
            values["due_soon_count"],
            department=department,
        )
    raise ValueError(f"no email for the message kind {kind!r}")


def render(message: OutboxMessage) -> tuple[str, str, str]:
    """Subject, plain text and HTML of a message, in the language it was written for."""
    with force_locale(FORMAT_LOCALES[message.locale]):
        values = _template_context(message)
        subject = _subject(message.kind, values)
        values["subject"] = subject
        # Straight from the Jinja environment: the page globals need a web request, and an email has none.
        # Autoescaping still follows the file name: on for .html, off for .txt.
        environment = current_app.jinja_env
        text = environment.get_template(f"email/{message.kind}.txt").render(values)
        html = environment.get_template(f"email/{message.kind}.html").render(values)
    return subject, text, html
