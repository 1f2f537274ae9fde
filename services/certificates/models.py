"""An issued certificate: what was signed, the signed PDF, and its revocation."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.accounts.models import Department, User
from services.catalog.models import ServiceVersion
from services.db import Base, utcnow
from services.requests.models import ServiceRequest


class Certificate(Base):
    __tablename__ = "certificate"
    __table_args__ = (
        CheckConstraint(
            "(revoked_at IS NULL) = (revoke_reason IS NULL)",
            name="revocation_has_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id"), unique=True)
    # Printed on the document and typed by whoever checks it: XXXXX-XXXXX in Crockford base32.
    code: Mapped[str] = mapped_column(String(11), unique=True)
    service_version_id: Mapped[int] = mapped_column(ForeignKey("service_version.id"))
    holder_name: Mapped[str] = mapped_column(String(120))
    holder_cnie: Mapped[str] = mapped_column(String(10))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Exactly what was signed (see services.certificates.verify for the format).
    content: Mapped[dict] = mapped_column(JSON)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(100))  # base64
    key_id: Mapped[str] = mapped_column(String(16))
    # Kept in the row rather than in the upload folder: the document and its record are saved
    # (or rolled back) together, and a second application instance needs no shared disk for them.
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    request: Mapped[ServiceRequest] = relationship()
    service_version: Mapped[ServiceVersion] = relationship()
    department: Mapped[Department] = relationship()
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<Certificate {self.code}>"
