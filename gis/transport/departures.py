"""Departures at a stop: what leaves from now until the end of tomorrow, and a whole service day's timetable.

GTFS counts a trip's times in seconds from the start of its *service day* (noon minus 12 hours, local time, which
is midnight except on the days the clocks change), and a time may pass 24:00: a trip of Monday's service at
25:10:00 leaves on Tuesday at 01:10. So the departures of a calendar day come from three service days: the
day before (its trips after midnight), the day itself, and, for "tomorrow", the next one. Times are in the
agency's timezone (GTFS wants every agency of a feed in the same one).

A trip listed in frequencies.txt is a template: its stop times give the offsets from its first departure, and it
leaves at start_s, start_s + headway_s, ... while before end_s (exact_times = 1: timetabled departures; otherwise
headway service, whose computed times are indications only).

The database finds the services running on each service day (`calendar.active_services_statement`), then the
stop's rows of their trips through the (stop_id, departure_s) index, each day's window cut and limited there;
Python only adds seconds to dates and repeats frequency-based trips: two statements per call, each built once
and sent again with new values (bench/transport_departures.py: a few milliseconds on the busiest Cairns stop).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CompoundSelect,
    Date,
    Integer,
    Select,
    bindparam,
    cast,
    exists,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from gis.transport.calendar import active_services_statement
from gis.transport.models import Agency, Frequency, Route, Stop, StopTime, Trip
from services.clock import LOCAL_TZ, TIMEZONE_NAME

# Berkane's; also the timezone of a network whose feed names no agency (hand-made test data).
DEFAULT_TIMEZONE = TIMEZONE_NAME
NO_PICKUP = 1  # GTFS pickup_type: no pickup available


@dataclass(frozen=True)
class Departure:
    """One bus leaving (or arriving for good at) a stop."""

    at: datetime  # aware, in the agency's timezone
    service_day: date
    seconds: int  # since the start of the service day, as the feed writes it (may pass 86400)
    trip_id: str
    route_id: str
    route_short_name: str | None
    route_long_name: str | None
    route_long_name_ar: str | None
    route_long_name_fr: str | None
    route_color: str | None
    route_text_color: str | None
    headsign: str | None  # the stop's headsign for this trip, else the trip's
    # The stop where the trip ends, in the feed's words and in Arabic and French when translations.txt has them.
    terminus_name: str | None
    terminus_name_ar: str | None
    terminus_name_fr: str | None
    direction_id: int | None
    stop_sequence: int
    # Nobody boards here: the trip ends at this stop, or the feed says no pickup (pickup_type 1).
    arrives_only: bool
    # For a frequency-based trip without exact times, its headway: the time is an indication ("every N minutes").
    headway_s: int | None = None


@lru_cache(maxsize=16)
def load_timezone(name: str) -> ZoneInfo:
    """A timezone from the pinned tzdata package, as services.clock reads Morocco's (the system's copy may be older
    than a decree); the system's when the package lacks it."""
    if name == TIMEZONE_NAME:
        return LOCAL_TZ
    *area, city = name.split("/")
    try:
        with resources.files(".".join(("tzdata", "zoneinfo", *area))).joinpath(city).open("rb") as fh:
            return ZoneInfo.from_file(fh, key=name)
    except (ModuleNotFoundError, FileNotFoundError, IsADirectoryError, ValueError):
        return ZoneInfo(name)


def network_timezone(session: Session) -> ZoneInfo:
    """The agencies' timezone (the first agency's), or Berkane's when the network has no agency row."""
    name = session.scalar(select(Agency.timezone).order_by(Agency.id).limit(1))
    return load_timezone(name or DEFAULT_TIMEZONE)


def service_day_start(day: date, tz: ZoneInfo) -> datetime:
    """The instant GTFS counts a service day's times from: noon minus 12 hours, local time (UTC)."""
    return datetime.combine(day, time(12), tz).astimezone(UTC) - timedelta(hours=12)


# --------------------------------------------------------------------------- the statement


def _later_stop():
    """The trip goes on to another stop."""
    later = aliased(StopTime)
    return exists().where(later.trip_id == StopTime.trip_id, later.stop_sequence > StopTime.stop_sequence)


def _has_frequency():
    return exists().where(Frequency.trip_id == StopTime.trip_id)


def _terminus(column):
    """A column of the stop where the trip ends (its last stop time)."""
    last = aliased(StopTime)
    return (
        select(column)
        .join(last, last.stop_id == Stop.id)
        .where(last.trip_id == StopTime.trip_id)
        .order_by(last.stop_sequence.desc())
        .limit(1)
        .scalar_subquery()
    )


def _columns(branch: int):
    return (
        literal(branch, Integer).label("branch"),
        StopTime.departure_s.label("departure_s"),
        StopTime.stop_sequence.label("stop_sequence"),
        func.coalesce(StopTime.stop_headsign, Trip.headsign).label("headsign"),
        StopTime.pickup_type.label("pickup_type"),
        (~_later_stop()).label("is_last"),
        Trip.trip_id.label("trip_id"),
        Trip.direction_id.label("direction_id"),
        Route.route_id.label("route_id"),
        Route.short_name.label("route_short_name"),
        Route.long_name.label("route_long_name"),
        Route.long_name_ar.label("route_long_name_ar"),
        Route.long_name_fr.label("route_long_name_fr"),
        Route.color.label("route_color"),
        Route.text_color.label("route_text_color"),
        _terminus(Stop.name).label("terminus_name"),
        _terminus(Stop.name_ar).label("terminus_name_ar"),
        _terminus(Stop.name_fr).label("terminus_name_fr"),
    )


def _boarding():
    """Someone may board here: a later stop follows, and the feed does not forbid pickup."""
    return (func.coalesce(StopTime.pickup_type, 0) != NO_PICKUP) & _later_stop()


def _param(name: str, branch: int, type_=Integer):
    return bindparam(f"{name}_{branch}", type_=type_)


def _running(branch: int):
    """The trip's service runs on the branch's service day (the list comes from `_services_statement`)."""
    return Trip.service_id.in_(bindparam(f"services_{branch}", expanding=True))


def _timetabled(branch: int, windowed: bool, limited: bool, boarding: bool, frequencies: bool) -> Select:
    """Trips without frequencies stopping at the stop on the branch's service day, departing in [low, high).

    `frequencies`: some trips of the network are frequency-based, and so to be left out here.
    """
    query = (
        select(
            *_columns(branch),
            cast(null(), Integer).label("start_s"),
            cast(null(), Integer).label("end_s"),
            cast(null(), Integer).label("headway_s"),
            cast(null(), Integer).label("exact_times"),
            cast(null(), Integer).label("first_s"),
        )
        .select_from(StopTime)
        .join(Trip, Trip.id == StopTime.trip_id)
        .join(Route, Route.id == Trip.route_id)
        .where(
            StopTime.stop_id == bindparam("stop", type_=Integer),
            StopTime.departure_s.is_not(None),
            _running(branch),
        )
    )
    if frequencies:
        query = query.where(~_has_frequency())
    if boarding:
        query = query.where(_boarding())
    if windowed:
        query = query.where(
            StopTime.departure_s >= _param("low", branch), StopTime.departure_s < _param("high", branch)
        )
    query = query.order_by(StopTime.departure_s)
    if limited:
        query = query.limit(bindparam("limit", type_=Integer))
    return query


def _frequency_based(branch: int, windowed: bool, boarding: bool) -> Select:
    """Frequency rows of trips stopping at the stop on the branch's service day whose repeats may reach this stop
    in [low, high)."""
    first = aliased(StopTime)
    first_s = select(func.min(first.departure_s)).where(first.trip_id == StopTime.trip_id).scalar_subquery()
    offset = StopTime.departure_s - first_s
    query = (
        select(
            *_columns(branch),
            Frequency.start_s.label("start_s"),
            Frequency.end_s.label("end_s"),
            Frequency.headway_s.label("headway_s"),
            Frequency.exact_times.label("exact_times"),
            first_s.label("first_s"),
        )
        .select_from(StopTime)
        .join(Trip, Trip.id == StopTime.trip_id)
        .join(Route, Route.id == Trip.route_id)
        .join(Frequency, Frequency.trip_id == Trip.id)
        .where(
            StopTime.stop_id == bindparam("stop", type_=Integer),
            StopTime.departure_s.is_not(None),
            _running(branch),
        )
    )
    if boarding:
        query = query.where(_boarding())
    if windowed:
        # The repeats reach this stop from start_s + offset to before end_s + offset.
        query = query.where(
            Frequency.end_s + offset > _param("low", branch), Frequency.start_s + offset < _param("high", branch)
        )
    return query


# Statements are built once per shape and run with new values: building one costs several times what the
# database takes to answer it. The services of each day come first, from a small statement of their own: in the
# departures' statement they made the database plan for longer than it then took to answer.
_statements: dict[tuple, CompoundSelect] = {}
NO_BRANCH = -1  # the row of the services' statement saying that the network has frequency-based trips


def _services_statement(first_weekday: int, days: int) -> CompoundSelect:
    """(branch, service_id) of the services running on each of `days` service days from day_0, and a row
    (NO_BRANCH, '') when some trip is frequency-based."""
    key = ("services", first_weekday, days)
    if key not in _statements:
        branches = []
        for n in range(days):
            running = active_services_statement(_param("day", n, Date), (first_weekday + n) % 7).subquery()
            branches.append(select(literal(n, Integer).label("branch"), running.c.service_id))
        frequencies = select(literal(NO_BRANCH, Integer), literal("")).where(exists().where(Frequency.id.is_not(None)))
        _statements[key] = union_all(*branches, frequencies)
    return _statements[key]


def _statement(days: int, windowed: bool, limited: bool, boarding: bool, frequencies: bool) -> CompoundSelect:
    key = (days, windowed, limited, boarding, frequencies)
    if key not in _statements:
        branches = []
        for n in range(days):
            branches.append(select(_timetabled(n, windowed, limited, boarding, frequencies).subquery()))
            if frequencies:
                branches.append(select(_frequency_based(n, windowed, boarding).subquery()))
        _statements[key] = union_all(*branches)
    return _statements[key]


# --------------------------------------------------------------------------- rows to departures


def _departure(row, day: date, start: datetime, tz: ZoneInfo, seconds: int, headway: int | None) -> Departure:
    return Departure(
        at=(start + timedelta(seconds=seconds)).astimezone(tz),
        service_day=day,
        seconds=seconds,
        trip_id=row.trip_id,
        route_id=row.route_id,
        route_short_name=row.route_short_name,
        route_long_name=row.route_long_name,
        route_long_name_ar=row.route_long_name_ar,
        route_long_name_fr=row.route_long_name_fr,
        route_color=row.route_color,
        route_text_color=row.route_text_color,
        headsign=row.headsign,
        terminus_name=row.terminus_name,
        terminus_name_ar=row.terminus_name_ar,
        terminus_name_fr=row.terminus_name_fr,
        direction_id=row.direction_id,
        stop_sequence=row.stop_sequence,
        arrives_only=bool(row.is_last) or row.pickup_type == NO_PICKUP,
        headway_s=headway,
    )


def _expand(row, low: int | None, high: int | None) -> list[int]:
    """The seconds at which a frequency row's repeats reach the stop, within [low, high)."""
    offset = row.departure_s - row.first_s
    step = row.headway_s
    first_k = 0 if low is None else max(0, -(-(low - row.start_s - offset) // step))
    end_k = -(-(row.end_s - row.start_s) // step)  # starts strictly before end_s
    if high is not None:
        end_k = min(end_k, max(0, -(-(high - row.start_s - offset) // step)))
    return [row.start_s + k * step + offset for k in range(first_k, end_k)]


def _run(
    session: Session,
    days: list[tuple[date, int | None, int | None]],
    stop_pk: int,
    tz: ZoneInfo,
    limit: int | None,
    *,
    boarding_only: bool = False,
) -> list[Departure]:
    """Departures at the stop for each (service day, low, high) window, in time order, in one query.

    The days follow each other; their windows are all given (seconds of their service day) or all None.
    """
    connection = session.connection()
    services: dict[int, list[str]] = {n: [] for n in range(-1, len(days))}
    dates = {f"day_{n}": day for n, (day, _low, _high) in enumerate(days)}
    for branch, service_id in connection.execute(_services_statement(days[0][0].weekday(), len(days)), dates):
        services[branch].append(service_id)
    if not any(services[n] for n in range(len(days))):
        return []
    windowed = days[0][1] is not None
    statement = _statement(len(days), windowed, limit is not None, boarding_only, bool(services[NO_BRANCH]))
    params: dict = {"stop": stop_pk}
    if limit is not None:
        params["limit"] = limit
    for n, (_day, low, high) in enumerate(days):
        params[f"services_{n}"] = services[n]
        if windowed:
            params[f"low_{n}"], params[f"high_{n}"] = low, high
    starts = [service_day_start(day, tz) for day, _low, _high in days]
    found = []
    for row in connection.execute(statement, params):
        day, low, high = days[row.branch]
        start = starts[row.branch]
        if row.headway_s is None:
            found.append(_departure(row, day, start, tz, row.departure_s, None))
        else:
            headway = None if row.exact_times == 1 else row.headway_s
            found.extend(_departure(row, day, start, tz, s, headway) for s in _expand(row, low, high))
    found.sort(key=lambda d: (d.at, d.route_short_name or "", d.trip_id, d.stop_sequence))
    return found[:limit] if limit is not None else found


# --------------------------------------------------------------------------- the API


def service_day_departures(session: Session, stop: Stop, day: date, *, tz: ZoneInfo | None = None) -> list[Departure]:
    """Every departure at `stop` of the trips of service day `day` (times past 24:00 included), in time order.

    This is a timetable's day as the feed states it, arrivals at a terminus included (marked `arrives_only`).
    """
    tz = tz or network_timezone(session)
    return _run(session, [(day, None, None)], stop.id, tz, None)


def next_departures(
    session: Session,
    stop: Stop,
    *,
    now: datetime,
    until: datetime | None = None,
    limit: int | None = None,
    boarding_only: bool = False,
    tz: ZoneInfo | None = None,
) -> list[Departure]:
    """Departures at `stop` from `now` (aware) until `until` (by default the end of tomorrow, local time).

    Yesterday's service day counts for its trips after midnight. With `boarding_only`, the buses nobody can
    board here (terminus, no pickup) are left out; otherwise they are marked `arrives_only`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    tz = tz or network_timezone(session)
    today = now.astimezone(tz).date()
    if until is None:
        until = datetime.combine(today + timedelta(days=2), time(0), tz)
    days = []
    # The service days whose times (0 to 48 hours) can fall between now and until.
    day = today - timedelta(days=1)
    while service_day_start(day, tz) < until:
        start = service_day_start(day, tz)
        low = max(0, _ceil_seconds(now - start))
        high = _ceil_seconds(until - start)
        if high > 0:
            days.append((day, low, high))
        day += timedelta(days=1)
    found = _run(session, days, stop.id, tz, limit, boarding_only=boarding_only)
    return [d for d in found if now <= d.at < until]


def _ceil_seconds(delta: timedelta) -> int:
    """Whole seconds, rounded up: a bus at 08:00:00 has left at 08:00:00.5."""
    whole = int(delta.total_seconds())
    return whole + 1 if delta > timedelta(seconds=whole) else whole
