"""A message waiting in the outbox, and what became of it."""

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base, utcnow


class MessageStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS; an administrator can retry


class MessageKind(enum.StrEnum):
    REQUEST_RECEIVED = "request_received"
    STATUS_CHANGED = "status_changed"
    CONFIRM_CONTACT = "confirm_contact"
    MESSAGE_POSTED = "message_posted"  # a public message from the department, without a status change
    OVERDUE_DIGEST = "overdue_digest"  # to a supervisor: the department's overdue and due-soon requests


LOCALES = ("ar", "fr")


def _values(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


class OutboxMessage(Base):
    """One email to one person, rendered and sent by the worker, never during the request that made it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(f"status IN ({_values(MessageStatus)})", name="status_known"),
        CheckConstraint(f"locale IN ({_values(LOCALES)})", name="locale_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The worker's query: pending messages whose time has come, oldest first.
        Index("ix_outbox_message_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(2))
    # Plain values only (strings, numbers, ISO dates): what the templates need, frozen at enqueue time.
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default=MessageStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
