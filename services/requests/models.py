"""A filed request, its attachments and its append-only history."""

from datetime import date, datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from gis import spatial
from gis.districts.models import District
from services.accounts.models import Department, User
from services.catalog.models import Service, ServiceVersion
from services.clock import local
from services.db import Base, as_utc, utcnow
from services.stats import summary as _summary  # noqa: F401 (keeps the summaries exact on every flush)
from services.workflow.states import OPEN_STATES, Outcome, Status

_STATUS_VALUES = ", ".join(f"'{s.value}'" for s in Status)
_OUTCOME_VALUES = ", ".join(f"'{o.value}'" for o in Outcome)


class TrackingCounter(Base):
    """The last sequence number given out in a year; one row per year."""

    __tablename__ = "tracking_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class ServiceRequest(Base):
    __tablename__ = "service_request"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_VALUES})", name="status_known"),
        CheckConstraint("locale IN ('ar', 'fr')", name="locale_known"),
        CheckConstraint("citizen_id IS NOT NULL OR contact_email IS NOT NULL", name="someone_to_answer"),
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),
        CheckConstraint(f"outcome IS NULL OR outcome IN ({_OUTCOME_VALUES})", name="outcome_known"),
        UniqueConstraint("year", "sequence"),
        # Open reports on one street light or container (asset status, duplicates).
        Index("ix_service_request_asset", "asset_layer", "asset_ref"),
        # A service's requests filed in a period, and with them the places reported (dumping hotspots), from this
        # index alone, the table's rows being too many to read one by one at a million requests.
        spatial.covering_index(
            "ix_service_request_service_filed",
            "service_id",
            "filed_at",
            include=["id", "location", "merged_into_id", "status", "outcome"],
        ),
        # The dashboard reads requests handled in a period, and the backlog at a past date, from this index alone.
        Index(
            "ix_service_request_handled",
            "handled_at",
            "outcome",
            "service_id",
            "department_id",
            "district_id",
            "hours_to_handle",
            "handled_by_id",
            "filed_at",
            "deadline_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    # A random value per form display: the same submission twice finds the first request.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    # Mixed into the HMAC that derives the lookup secret printed on the receipt.
    secret_salt: Mapped[str] = mapped_column(String(32))

    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), active_history=True)
    service_version_id: Mapped[int] = mapped_column(ForeignKey("service_version.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True, active_history=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)

    # Whoever files without an account leaves an email (confirmed by a link) and maybe a phone.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    contact_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    locale: Mapped[str] = mapped_column(String(2))

    # active_history: the columns the statistics summaries depend on keep their old value when changed (stats.summary).
    status: Mapped[str] = mapped_column(String(30), index=True, active_history=True)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    # Normalised text of the answers, address and filer's name, for the staff queue's search (catalog.text.normalise).
    search_text: Mapped[str] = mapped_column(Text, default="")
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True, active_history=True)
    address: Mapped[str | None] = mapped_column(String(300))
    location: Mapped[WKBElement | None] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))
    asset_layer: Mapped[str | None] = mapped_column(String(30))
    asset_ref: Mapped[str | None] = mapped_column(String(60))

    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True, active_history=True)
    deadline_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True, active_history=True)
    # The service's internal target, if it has one: staff aim for it, the law only for deadline_at.
    target_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # How the request ended, set with its decision and cleared if it is reopened (workflow.states.Outcome):
    # closing a request is not fixing it, so statistics count outcomes, not the status "closed".
    outcome: Mapped[str | None] = mapped_column(String(20), active_history=True)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), active_history=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), active_history=True)
    # Whole hours from filing to the outcome: percentiles of delays come from counts of these.
    hours_to_handle: Mapped[int | None] = mapped_column(Integer, active_history=True)

    # Law 55-19: the administration may ask for a missing document only once.
    document_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    rating: Mapped[int | None] = mapped_column(Integer, active_history=True)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("service_request.id"))
    # Optimistic locking: two agents saving the same request never overwrite each other.
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 (SQLAlchemy reads it once)

    service: Mapped[Service] = relationship()
    service_version: Mapped[ServiceVersion] = relationship()
    department: Mapped[Department] = relationship()
    citizen: Mapped[User | None] = relationship(foreign_keys=[citizen_id])
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])
    district: Mapped[District | None] = relationship()
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="request", order_by="Attachment.id")
    events: Mapped[list["RequestEvent"]] = relationship(back_populates="request", order_by="RequestEvent.id")

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    @property
    def is_open(self) -> bool:
        return self.status_enum in OPEN_STATES

    @property
    def deadline_date(self) -> date:
        return local(as_utc(self.deadline_at)).date()

    def __repr__(self) -> str:
        return f"<ServiceRequest {self.tracking_number} {self.status}>"


class Attachment(Base):
    """A checked, re-encoded file kept outside the web root under a random name."""

    __tablename__ = "request_attachment"
    __table_args__ = (CheckConstraint("media_type IN ('image/jpeg', 'image/png', 'application/pdf')", name="type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id"), index=True)
    # The form field it answers, or null for a file joined to a history entry (an answer, a resolution photo).
    field_name: Mapped[str | None] = mapped_column(String(40))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("request_event.id"))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    media_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(120))
    uploaded_by_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    request: Mapped[ServiceRequest] = relationship(back_populates="attachments")


class RequestEvent(Base):
    """One line of a request's history; rows are never changed or deleted (the database refuses)."""

    __tablename__ = "request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Accounts are anonymised, never deleted, so this keeps pointing at who acted.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # citizen | agent | supervisor | system: the capacity in which they acted.
    actor_kind: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    # Public entries are shown to the citizen; the others are internal notes.
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    request: Mapped[ServiceRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Holiday(Base):
    """A day off declared by decree or by the Ministry, beyond the holidays the `holidays` package knows."""

    __tablename__ = "holiday"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    # The decree or communiqué that declared it, as cited in the Bulletin officiel.
    decree: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class AuditTampering(Exception):
    """Raised when code tries to change or delete a history entry."""


@event.listens_for(Session, "before_flush")
def _history_is_append_only(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, RequestEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditTampering(f"request_event {obj.id} is append-only")


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_history_change(state) -> None:
    """update(RequestEvent) and delete(RequestEvent) statements never pass through a flush: refuse them here."""
    if (state.is_update or state.is_delete) and any(m.class_ is RequestEvent for m in state.all_mappers):
        raise AuditTampering("request_event is append-only")
