"""Street lighting assets: streets, light points, switching cabinets, meter readings, upkeep history."""

import enum
from datetime import date, datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gis.districts.models import District
from services.db import Base, utcnow


def _values(enum_cls) -> str:
    return ", ".join(f"'{member.value}'" for member in enum_cls)


class LampTechnology(enum.StrEnum):
    LED = "led"
    HPS = "hps"  # high-pressure sodium
    METAL_HALIDE = "metal_halide"


class LightStatus(enum.StrEnum):
    WORKING = "working"
    OUT = "out"
    FLICKERING = "flickering"
    DAY_BURNING = "day_burning"
    DAMAGED = "damaged"


class MaintenanceKind(enum.StrEnum):
    FAULT_REPORTED = "fault_reported"  # a citizen's or an agent's report was attached
    REPAIRED = "repaired"  # the last open report was resolved
    STATUS_SET = "status_set"  # an agent set the status by hand (inspection)
    LAMP_REPLACED = "lamp_replaced"
    INSPECTED = "inspected"


class Street(Base):
    """A street centre line; lights stand along streets."""

    __tablename__ = "street"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    geom: Mapped[WKBElement] = mapped_column(Geometry("LINESTRING", srid=4326, spatial_index=True))

    district: Mapped[District | None] = relationship()


class Cabinet(Base):
    """A switching cabinet: it powers a circuit of lights, switches them at dusk and dawn and may dim them.

    `dimming` is a list of steps {"start": "HH:MM", "end": "HH:MM", "level": 0..1} in local time.
    """

    __tablename__ = "lighting_cabinet"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    dimming: Mapped[list] = mapped_column(JSON, default=list)
    meter_number: Mapped[str | None] = mapped_column(String(40))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    district: Mapped[District | None] = relationship()
    readings: Mapped[list["MeterReading"]] = relationship(
        back_populates="cabinet", order_by="MeterReading.read_at", cascade="all, delete-orphan"
    )


class MeterReading(Base):
    """A reading of a cabinet's electricity meter (cumulative kWh index)."""

    __tablename__ = "meter_reading"
    __table_args__ = (CheckConstraint("index_kwh >= 0", name="index_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cabinet_id: Mapped[int] = mapped_column(ForeignKey("lighting_cabinet.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    index_kwh: Mapped[float] = mapped_column(Numeric(12, 1))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    cabinet: Mapped[Cabinet] = relationship(back_populates="readings")


class LightPoint(Base):
    """A light point on its pole; `code` is the reference painted on the pole."""

    __tablename__ = "light_point"
    __table_args__ = (
        CheckConstraint(f"technology IN ({_values(LampTechnology)})", name="technology_known"),
        CheckConstraint(f"status IN ({_values(LightStatus)})", name="status_known"),
        CheckConstraint("power_w > 0 AND power_w <= 2000", name="power_plausible"),
        CheckConstraint(
            "pole_height_m IS NULL OR (pole_height_m > 0 AND pole_height_m <= 40)", name="height_plausible"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    technology: Mapped[str] = mapped_column(String(20))
    power_w: Mapped[int] = mapped_column(Integer)
    pole_height_m: Mapped[float | None] = mapped_column(Float)
    cabinet_id: Mapped[int | None] = mapped_column(ForeignKey("lighting_cabinet.id"), index=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    installed_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=LightStatus.WORKING.value, index=True)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_maintenance_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))

    cabinet: Mapped[Cabinet | None] = relationship()
    street: Mapped[Street | None] = relationship()
    district: Mapped[District | None] = relationship()
    history: Mapped[list["LightMaintenance"]] = relationship(
        back_populates="light", order_by="LightMaintenance.id", cascade="all, delete-orphan"
    )


class LightMaintenance(Base):
    """One entry of a light's upkeep history: reports attached, repairs, inspections."""

    __tablename__ = "light_maintenance"
    __table_args__ = (CheckConstraint(f"kind IN ({_values(MaintenanceKind)})", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    light_id: Mapped[int] = mapped_column(ForeignKey("light_point.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))
    status_before: Mapped[str | None] = mapped_column(String(20))
    status_after: Mapped[str | None] = mapped_column(String(20))
    # The citizen's report behind the entry; plain id (gis does not know the requests package).
    request_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # On a repair: when the fault it ends was first reported (time to repair = at - fault_started_at).
    fault_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    light: Mapped[LightPoint] = relationship(back_populates="history")
