"""A service, and its definition in successive versions.

A request will point at the version it was filed against, so editing a service
(a new version) never changes what an earlier request was.
"""

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.accounts.models import Department, User
from services.db import Base, utcnow


class ServiceKind(enum.StrEnum):
    CERTIFICATE = "certificate"
    COMPLAINT = "complaint"  # complaint, observation or suggestion
    REQUEST = "request"
    REPORT = "report"


class DelayUnit(enum.StrEnum):
    WORKING_DAYS = "working_days"
    HOURS = "hours"


class AssetLayer(enum.StrEnum):
    STREET_LIGHT = "street_light"
    WASTE_CONTAINER = "waste_container"
    BUS_STOP = "bus_stop"


# Law 55-19: no administrative procedure may take longer than 60 days.
MAX_DELAY_DAYS = 60
MAX_DELAY = {DelayUnit.WORKING_DAYS: MAX_DELAY_DAYS, DelayUnit.HOURS: MAX_DELAY_DAYS * 24}


def _values(enum_cls) -> str:
    return ", ".join(f"'{member.value}'" for member in enum_cls)


class Service(Base):
    __tablename__ = "service"
    __table_args__ = (CheckConstraint(f"kind IN ({_values(ServiceKind)})", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Normalised names and descriptions of the current version, both languages (see text.normalise).
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    department: Mapped[Department] = relationship()
    versions: Mapped[list["ServiceVersion"]] = relationship(
        back_populates="service", order_by="ServiceVersion.version", cascade="all, delete-orphan"
    )

    @property
    def current(self) -> "ServiceVersion":
        return self.versions[-1]


class ServiceVersion(Base):
    """One immutable state of a service's definition."""

    __tablename__ = "service_version"
    __table_args__ = (
        UniqueConstraint("service_id", "version"),
        CheckConstraint("fee_mad >= 0", name="fee_not_negative"),
        CheckConstraint(f"delay_unit IN ({_values(DelayUnit)})", name="delay_unit_known"),
        CheckConstraint(
            f"delay_value > 0 AND ((delay_unit = 'working_days' AND delay_value <= {MAX_DELAY_DAYS}) "
            f"OR (delay_unit = 'hours' AND delay_value <= {MAX_DELAY_DAYS * 24}))",
            name="delay_within_law",
        ),
        CheckConstraint(f"asset_layer IS NULL OR asset_layer IN ({_values(AssetLayer)})", name="asset_layer_known"),
        CheckConstraint(
            "target_value IS NULL OR (target_value > 0 AND target_value <= delay_value)", name="target_within_delay"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    description_ar: Mapped[str] = mapped_column(Text, default="")
    description_fr: Mapped[str] = mapped_column(Text, default="")
    # [{"ar": ..., "fr": ...}, ...] documents the citizen brings or attaches.
    documents: Mapped[list] = mapped_column(JSON, default=list)
    fee_mad: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    delay_value: Mapped[int] = mapped_column(Integer)
    delay_unit: Mapped[str] = mapped_column(String(20), default=DelayUnit.WORKING_DAYS.value)
    # The department's own, shorter aim, in the same unit as the legal delay; staff see it, citizens do not.
    target_value: Mapped[int | None] = mapped_column(Integer)
    location_required: Mapped[bool] = mapped_column(Boolean, default=False)
    asset_layer: Mapped[str | None] = mapped_column(String(30))
    # The form: a list of field definitions (see services.catalog.forms.FieldDef).
    fields: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    service: Mapped[Service] = relationship(back_populates="versions")
    created_by: Mapped[User | None] = relationship()
