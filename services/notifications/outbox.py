"""The outbox: messages are written with the change that causes them and delivered later.

Filing a request never waits for, or fails because of, the mail server: `enqueue`
only adds a row in the caller's transaction. A worker (`flask notifications send`)
picks due messages with `due_messages`, hands each to `deliver`, and commits after
each one, so a failure never undoes another message's "sent".
"""

import enum
import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.accounts.validation import normalise_email
from services.db import Page, utcnow
from services.errors import Invalid, InvalidTransition, NotFound
from services.notifications.models import LOCALES, MessageKind, MessageStatus, OutboxMessage

KINDS = frozenset(MessageKind)
REQUEST_RECEIVED = MessageKind.REQUEST_RECEIVED.value
STATUS_CHANGED = MessageKind.STATUS_CHANGED.value
CONFIRM_CONTACT = MessageKind.CONFIRM_CONTACT.value

MAX_ATTEMPTS = 8
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=6)
ERROR_MAX_CHARS = 2000

# (subject, plain text, HTML) for a message; the web layer renders them in the message's language.
Renderer = Callable[[OutboxMessage], tuple[str, str, str]]


class Transport(Protocol):
    def send(self, *, to: str, subject: str, text: str, html: str, reference: str | None = None) -> None:
        """Hand one email to the mail server; raise on any failure.

        `reference` is the same on every attempt at one message; the transport puts it
        in the Message-ID so a mail client shows a delivery repeated after a lost reply once.
        """


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY_LATER = "retry_later"
    FAILED = "failed"


def enqueue(session: Session, *, kind: str, recipient: str, locale: str, context: dict) -> OutboxMessage:
    """Put one email in the outbox, to be sent by the worker once the caller commits."""
    if kind not in KINDS:
        raise Invalid("notification_kind_unknown", field="kind")
    if locale not in LOCALES:
        raise Invalid("locale_unknown", field="locale")
    recipient = normalise_email(recipient)
    try:
        # Checked now, so a bad value fails in the code that built it rather than at flush.
        json.dumps(context)
    except (TypeError, ValueError) as exc:
        raise Invalid("notification_context_invalid", field="context") from exc
    message = OutboxMessage(
        kind=kind,
        recipient=recipient,
        locale=locale,
        context=dict(context),
        status=MessageStatus.PENDING.value,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session.add(message)
    session.flush()
    return message


def due_messages(session: Session, now: datetime, limit: int) -> list[OutboxMessage]:
    """Pending messages whose time has come, oldest first, locked for this transaction.

    SKIP LOCKED lets several workers run at once on a server database: each takes
    rows the others have not locked, so no message is sent twice. Databases without
    row locks ignore the clause; run a single worker there.
    """
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.PENDING.value, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 1, 2, 4 … minutes, at most 6 hours."""
    return min(FIRST_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)


def deliver(session: Session, message: OutboxMessage, render: Renderer, transport: Transport, now: datetime) -> Outcome:
    """Render and send one message; record the success, or the failure and when to try again."""
    if message.status != MessageStatus.PENDING.value:
        raise InvalidTransition("message_not_pending")
    try:
        subject, text, html = render(message)
        transport.send(to=message.recipient, subject=subject, text=text, html=html, reference=_reference(message))
    except Exception as exc:
        message.attempts += 1
        message.last_error = _describe(exc)
        if message.attempts >= MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED.value
            outcome = Outcome.FAILED
        else:
            message.next_attempt_at = now + backoff(message.attempts)
            outcome = Outcome.RETRY_LATER
    else:
        message.attempts += 1
        message.status = MessageStatus.SENT.value
        message.sent_at = now
        outcome = Outcome.SENT
    session.flush()
    return outcome


def _reference(message: OutboxMessage) -> str:
    created = message.created_at
    return f"outbox-{message.id}-{created:%Y%m%d%H%M%S}" if created else f"outbox-{message.id}"


def _describe(exc: Exception) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text[:ERROR_MAX_CHARS]


def get_message(session: Session, message_id: int) -> OutboxMessage:
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("message_not_found")
    return message


def retry(session: Session, message_id: int, *, now: datetime | None = None) -> OutboxMessage:
    """Put a failed or waiting message back in the queue for the next run, with a fresh set of attempts."""
    message = get_message(session, message_id)
    if message.status == MessageStatus.SENT.value:
        raise InvalidTransition("message_already_sent")
    message.status = MessageStatus.PENDING.value
    message.attempts = 0
    message.next_attempt_at = now or utcnow()
    session.flush()
    return message


def retry_failed(session: Session, *, now: datetime | None = None) -> int:
    """Put every failed message back in the queue (after the mail server is fixed); returns how many."""
    now = now or utcnow()
    failed = session.scalars(select(OutboxMessage).where(OutboxMessage.status == MessageStatus.FAILED.value)).all()
    for message in failed:
        message.status = MessageStatus.PENDING.value
        message.attempts = 0
        message.next_attempt_at = now
    session.flush()
    return len(failed)


def summary(session: Session) -> dict[str, int]:
    """How many messages are in each status (every status present, zero included)."""
    counts = dict.fromkeys((s.value for s in MessageStatus), 0)
    rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    counts.update({status: count for status, count in rows})
    return counts


def list_messages(
    session: Session,
    *,
    statuses: Iterable[str] = (MessageStatus.FAILED.value, MessageStatus.PENDING.value),
    page: int = 1,
    per_page: int = 50,
) -> Page[OutboxMessage]:
    """Messages in `statuses`: failed first, then by when they are next tried, oldest first."""
    statuses = [MessageStatus(s).value for s in statuses]
    stmt = select(OutboxMessage).where(OutboxMessage.status.in_(statuses))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    failed_first = (OutboxMessage.status != MessageStatus.FAILED.value).asc()
    stmt = stmt.order_by(failed_first, OutboxMessage.next_attempt_at, OutboxMessage.id)
    items = session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(items), total, page, per_page)
