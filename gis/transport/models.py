"""Urban transport: one GTFS network (agencies, stops, routes, trips, stop times, calendars, frequencies, shapes).

The commune runs one network at a time: a new feed replaces every transport row in one transaction, so
the tables hold exactly one feed, described by its `TransitFeed` row. GTFS identifiers are kept as text
(`stop_id`, `trip_id`, ...) for export and for links; rows refer to each other by integer keys.
Times of day are seconds after the service day's noon-minus-12h, as GTFS counts them: 25:10:00 is 90600.
"""

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
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.db import Base, utcnow


class TransitFeed(Base):
    """The network in service: where it came from and what feed_info.txt said of it."""

    __tablename__ = "transit_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_name: Mapped[str] = mapped_column(String(300))  # the file's name
    sha256: Mapped[str] = mapped_column(String(64))
    publisher_name: Mapped[str | None] = mapped_column(String(300))
    publisher_url: Mapped[str | None] = mapped_column(String(500))
    lang: Mapped[str | None] = mapped_column(String(20))
    default_lang: Mapped[str | None] = mapped_column(String(20))
    version: Mapped[str | None] = mapped_column(String(100))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    contact_email: Mapped[str | None] = mapped_column(String(300))
    contact_url: Mapped[str | None] = mapped_column(String(500))
    # Row counts per GTFS file, as imported: {"stops.txt": 416, ...}
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Agency(Base):
    __tablename__ = "transit_agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(100), unique=True)  # '' when the feed has a single agency without id
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(500))
    timezone: Mapped[str] = mapped_column(String(60))
    lang: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(60))
    fare_url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(300))


class Stop(Base):
    """A stop, station or entrance (GTFS location_type 0..4); name_ar/name_fr come from translations.txt."""

    __tablename__ = "transit_stop"
    __table_args__ = (CheckConstraint("location_type BETWEEN 0 AND 4", name="location_type_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[str] = mapped_column(String(100), unique=True)
    code: Mapped[str | None] = mapped_column(String(100), index=True)  # stop_code, painted on the pole
    name: Mapped[str | None] = mapped_column(String(300))
    name_ar: Mapped[str | None] = mapped_column(String(300))
    name_fr: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    zone_id: Mapped[str | None] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(String(500))
    location_type: Mapped[int] = mapped_column(SmallInteger, default=0)
    parent_station: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str | None] = mapped_column(String(60))
    wheelchair_boarding: Mapped[int | None] = mapped_column(SmallInteger)
    platform_code: Mapped[str | None] = mapped_column(String(100))
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))


class Route(Base):
    __tablename__ = "transit_route"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[str] = mapped_column(String(100), unique=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("transit_agency.id"), index=True)
    short_name: Mapped[str | None] = mapped_column(String(100))
    long_name: Mapped[str | None] = mapped_column(String(300))
    long_name_ar: Mapped[str | None] = mapped_column(String(300))
    long_name_fr: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    route_type: Mapped[int] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(String(500))
    color: Mapped[str | None] = mapped_column(String(6))
    text_color: Mapped[str | None] = mapped_column(String(6))
    sort_order: Mapped[int | None] = mapped_column(Integer)
    # Derived at import for maps and the open API: the distinct shapes of its trips, or, for trips without
    # a shape, the line through their stops. Not exported (GTFS has no such field).
    geom: Mapped[WKBElement | None] = mapped_column(Geometry("MULTILINESTRING", srid=4326, spatial_index=True))

    agency: Mapped[Agency | None] = relationship()


class Calendar(Base):
    """calendar.txt: the weekdays a service runs between two dates."""

    __tablename__ = "transit_calendar"
    __table_args__ = (CheckConstraint("start_date <= end_date", name="dates_ordered"),)

    service_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    monday: Mapped[bool] = mapped_column(Boolean)
    tuesday: Mapped[bool] = mapped_column(Boolean)
    wednesday: Mapped[bool] = mapped_column(Boolean)
    thursday: Mapped[bool] = mapped_column(Boolean)
    friday: Mapped[bool] = mapped_column(Boolean)
    saturday: Mapped[bool] = mapped_column(Boolean)
    sunday: Mapped[bool] = mapped_column(Boolean)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class CalendarDate(Base):
    """calendar_dates.txt: a service added (1) or removed (2) on one date."""

    __tablename__ = "transit_calendar_date"
    __table_args__ = (CheckConstraint("exception_type IN (1, 2)", name="exception_type_known"),)

    service_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    exception_type: Mapped[int] = mapped_column(SmallInteger)


class Shape(Base):
    """A trip's path; `distances` keeps shape_dist_traveled per vertex when the feed gives it."""

    __tablename__ = "transit_shape"

    id: Mapped[int] = mapped_column(primary_key=True)
    shape_id: Mapped[str] = mapped_column(String(100), unique=True)
    distances: Mapped[list | None] = mapped_column(JSON)
    geom: Mapped[WKBElement] = mapped_column(Geometry("LINESTRING", srid=4326, spatial_index=True))


class Trip(Base):
    __tablename__ = "transit_trip"

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[str] = mapped_column(String(100), unique=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("transit_route.id"), index=True)
    service_id: Mapped[str] = mapped_column(String(100), index=True)
    headsign: Mapped[str | None] = mapped_column(String(300))
    short_name: Mapped[str | None] = mapped_column(String(100))
    direction_id: Mapped[int | None] = mapped_column(SmallInteger)
    block_id: Mapped[str | None] = mapped_column(String(100))
    shape_id: Mapped[int | None] = mapped_column(ForeignKey("transit_shape.id"), index=True)
    wheelchair_accessible: Mapped[int | None] = mapped_column(SmallInteger)
    bikes_allowed: Mapped[int | None] = mapped_column(SmallInteger)

    route: Mapped[Route] = relationship()


class StopTime(Base):
    """stop_times.txt; times are seconds since the service day's start (they may pass 86400)."""

    __tablename__ = "transit_stop_time"
    __table_args__ = (
        UniqueConstraint("trip_id", "stop_sequence", name="trip_sequence_unique"),
        Index("ix_transit_stop_time_stop_departure", "stop_id", "departure_s"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("transit_trip.id", ondelete="CASCADE"))
    stop_sequence: Mapped[int] = mapped_column(Integer)
    stop_id: Mapped[int] = mapped_column(ForeignKey("transit_stop.id"))
    # Null between timepoints when the feed leaves them to interpolation.
    arrival_s: Mapped[int | None] = mapped_column(Integer)
    departure_s: Mapped[int | None] = mapped_column(Integer)
    stop_headsign: Mapped[str | None] = mapped_column(String(300))
    pickup_type: Mapped[int | None] = mapped_column(SmallInteger)
    drop_off_type: Mapped[int | None] = mapped_column(SmallInteger)
    shape_dist_traveled: Mapped[float | None] = mapped_column(Float)
    timepoint: Mapped[int | None] = mapped_column(SmallInteger)


class Frequency(Base):
    """frequencies.txt: the trip repeats every `headway_s` from `start_s` (inclusive) to `end_s` (exclusive)."""

    __tablename__ = "transit_frequency"
    __table_args__ = (
        CheckConstraint("start_s < end_s", name="window_ordered"),
        CheckConstraint("headway_s > 0", name="headway_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("transit_trip.id", ondelete="CASCADE"), index=True)
    start_s: Mapped[int] = mapped_column(Integer)
    end_s: Mapped[int] = mapped_column(Integer)
    headway_s: Mapped[int] = mapped_column(Integer)
    exact_times: Mapped[int | None] = mapped_column(SmallInteger)
