"""Sanitation assets: waste containers, collection zones (who collects, which days), routes and depots."""

import enum
from datetime import datetime, time

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gis.districts.models import District
from services.db import Base, utcnow


def _values(enum_cls) -> str:
    return ", ".join(f"'{member.value}'" for member in enum_cls)


class ContainerKind(enum.StrEnum):
    HOUSEHOLD = "household"
    RECYCLING = "recycling"
    GLASS = "glass"
    GREEN = "green"  # garden waste


class Weekday(enum.IntEnum):
    """ISO weekday numbers, as date.isoweekday() gives them."""

    MON = 1
    TUE = 2
    WED = 3
    THU = 4
    FRI = 5
    SAT = 6
    SUN = 7


class WasteContainer(Base):
    __tablename__ = "waste_container"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_values(ContainerKind)})", name="kind_known"),
        CheckConstraint("capacity_l > 0 AND capacity_l <= 40000", name="capacity_plausible"),
        CheckConstraint("fill_level IS NULL OR (fill_level >= 0 AND fill_level <= 100)", name="fill_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=ContainerKind.HOUSEHOLD.value)
    capacity_l: Mapped[int] = mapped_column(Integer)
    # Percent full, from a sensor when the container has one; None when nobody knows.
    fill_level: Mapped[int | None] = mapped_column(Integer, index=True)
    fill_read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"), index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))

    district: Mapped[District | None] = relationship()


class CollectionZone(Base):
    """An area collected by one contractor on given weekdays, between two local times.

    `days` lists ISO weekday numbers as a comma-separated string ("1,3,5"), portable to both databases.
    """

    __tablename__ = "collection_zone"
    __table_args__ = (CheckConstraint("start_time < end_time", name="hours_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    contractor: Mapped[str] = mapped_column(String(200))
    days: Mapped[str] = mapped_column(String(20))
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    geom: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True))

    @property
    def weekdays(self) -> list[Weekday]:
        return [Weekday(int(d)) for d in self.days.split(",") if d.strip()]


class CollectionRoute(Base):
    """The usual path of a collection truck through its zone."""

    __tablename__ = "collection_route"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("collection_zone.id"), index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    geom: Mapped[WKBElement] = mapped_column(Geometry("LINESTRING", srid=4326, spatial_index=True))

    zone: Mapped[CollectionZone | None] = relationship()


class Depot(Base):
    """Where collection trucks start and end their rounds."""

    __tablename__ = "depot"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
