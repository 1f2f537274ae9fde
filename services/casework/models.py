"""Texts that staff reuse: reasons for rejection, public messages, and the statement of the appeal route."""

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.accounts.models import Department
from services.db import Base, utcnow


class TemplateKind(enum.StrEnum):
    REJECTION = "rejection"  # a motivated reason for refusing
    MESSAGE = "message"  # a public message to the citizen
    APPEAL = "appeal"  # how to contest a rejection; every rejection quotes the active one


_KINDS = ", ".join(f"'{k.value}'" for k in TemplateKind)


class ResponseTemplate(Base):
    __tablename__ = "response_template"
    __table_args__ = (CheckConstraint(f"kind IN ({_KINDS})", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title_ar: Mapped[str] = mapped_column(String(200))
    title_fr: Mapped[str] = mapped_column(String(200))
    body_ar: Mapped[str] = mapped_column(Text)
    body_fr: Mapped[str] = mapped_column(Text)
    # None: every department may use it.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    department: Mapped[Department | None] = relationship()

    @property
    def kind_enum(self) -> TemplateKind:
        return TemplateKind(self.kind)

    def body(self, locale: str) -> str:
        return self.body_ar if locale == "ar" else self.body_fr
