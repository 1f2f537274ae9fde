"""What the importer and the exporter know of each GTFS file: its columns, their kinds, and the model attribute
each one fills.

One table serves both directions, so that a feed exported and imported again comes back the same. Columns the
models do not keep (fares, transfers, attributions, ...) are neither read nor written.
"""

from dataclasses import dataclass, replace

from gis.transport.models import Agency, Calendar, CalendarDate, Frequency, Route, Stop, StopTime, TransitFeed, Trip

# Kinds of value (reading.py parses each): text, int, float, lat, lon, time (H:MM:SS, hours may pass 24),
# date (YYYYMMDD), color (RRGGBB), timezone (an IANA name), flag (0 or 1, stored as a boolean).


@dataclass(frozen=True)
class Column:
    name: str  # as GTFS spells it
    attr: str | None = None  # the model attribute it fills; None when only the reader uses it
    kind: str = "text"
    required: bool = False
    choices: tuple[int, ...] | None = None
    minimum: float | None = None
    max_length: int | None = None  # taken from the model's column


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a dict key in hot loops
class GtfsFile:
    name: str
    columns: tuple[Column, ...]
    required: bool = False
    key: tuple[str, ...] = ()  # columns whose values name one row (duplicates refused)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _file(name: str, model, columns: list[Column], **options) -> GtfsFile:
    """A file whose columns learn their maximum length from the model attribute they fill."""
    sized = []
    for column in columns:
        length = getattr(getattr(model, column.attr).type, "length", None) if model and column.attr else None
        if column.kind == "text" and length:
            column = replace(column, max_length=length)
        sized.append(column)
    return GtfsFile(name, tuple(sized), **options)


C = Column
_USE = (0, 1, 2)  # wheelchair_boarding, wheelchair_accessible, bikes_allowed: unknown, yes, no
# Basic route types, and the extended ones (100-1702) that many European feeds use.
ROUTE_TYPES = (0, 1, 2, 3, 4, 5, 6, 7, 11, 12, *range(100, 1800))
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

AGENCY = _file(
    "agency.txt",
    Agency,
    [
        C("agency_id", "agency_id"),
        C("agency_name", "name", required=True),
        C("agency_url", "url", required=True),
        C("agency_timezone", "timezone", "timezone", required=True),
        C("agency_lang", "lang"),
        C("agency_phone", "phone"),
        C("agency_fare_url", "fare_url"),
        C("agency_email", "email"),
    ],
    required=True,
    key=("agency_id",),
)
STOPS = _file(
    "stops.txt",
    Stop,
    [
        C("stop_id", "stop_id", required=True),
        C("stop_code", "code"),
        C("stop_name", "name"),
        C("stop_desc", "description"),
        # Required of every stop here, as each is a point on the map (GTFS lets nodes and boarding areas omit them).
        C("stop_lat", None, "lat", required=True),
        C("stop_lon", None, "lon", required=True),
        C("zone_id", "zone_id"),
        C("stop_url", "url"),
        C("location_type", "location_type", "int", choices=(0, 1, 2, 3, 4)),
        C("parent_station", "parent_station"),
        C("stop_timezone", "timezone", "timezone"),
        C("wheelchair_boarding", "wheelchair_boarding", "int", choices=_USE),
        C("platform_code", "platform_code"),
    ],
    required=True,
    key=("stop_id",),
)
ROUTES = _file(
    "routes.txt",
    Route,
    [
        C("route_id", "route_id", required=True),
        C("agency_id", None),
        C("route_short_name", "short_name"),
        C("route_long_name", "long_name"),
        C("route_desc", "description"),
        C("route_type", "route_type", "int", required=True, choices=ROUTE_TYPES),
        C("route_url", "url"),
        C("route_color", "color", "color"),
        C("route_text_color", "text_color", "color"),
        C("route_sort_order", "sort_order", "int", minimum=0),
    ],
    required=True,
    key=("route_id",),
)
TRIPS = _file(
    "trips.txt",
    Trip,
    [
        C("route_id", None, required=True),
        C("service_id", "service_id", required=True),
        C("trip_id", "trip_id", required=True),
        C("trip_headsign", "headsign"),
        C("trip_short_name", "short_name"),
        C("direction_id", "direction_id", "int", choices=(0, 1)),
        C("block_id", "block_id"),
        C("shape_id", None),
        C("wheelchair_accessible", "wheelchair_accessible", "int", choices=_USE),
        C("bikes_allowed", "bikes_allowed", "int", choices=_USE),
    ],
    required=True,
    key=("trip_id",),
)
STOP_TIMES = _file(
    "stop_times.txt",
    StopTime,
    [
        C("trip_id", None, required=True),
        C("arrival_time", "arrival_s", "time"),
        C("departure_time", "departure_s", "time"),
        C("stop_id", None, required=True),
        C("stop_sequence", "stop_sequence", "int", required=True, minimum=0),
        C("stop_headsign", "stop_headsign"),
        C("pickup_type", "pickup_type", "int", choices=(0, 1, 2, 3)),
        C("drop_off_type", "drop_off_type", "int", choices=(0, 1, 2, 3)),
        C("shape_dist_traveled", "shape_dist_traveled", "float", minimum=0),
        C("timepoint", "timepoint", "int", choices=(0, 1)),
    ],
    required=True,
    key=("trip_id", "stop_sequence"),
)
CALENDAR = _file(
    "calendar.txt",
    Calendar,
    [
        C("service_id", "service_id", required=True),
        *(C(day, day, "flag", required=True) for day in WEEKDAYS),
        C("start_date", "start_date", "date", required=True),
        C("end_date", "end_date", "date", required=True),
    ],
    key=("service_id",),
)
CALENDAR_DATES = _file(
    "calendar_dates.txt",
    CalendarDate,
    [
        C("service_id", "service_id", required=True),
        C("date", "date", "date", required=True),
        C("exception_type", "exception_type", "int", required=True, choices=(1, 2)),
    ],
    key=("service_id", "date"),
)
FREQUENCIES = _file(
    "frequencies.txt",
    Frequency,
    [
        C("trip_id", None, required=True),
        C("start_time", "start_s", "time", required=True),
        C("end_time", "end_s", "time", required=True),
        C("headway_secs", "headway_s", "int", required=True, minimum=1),
        C("exact_times", "exact_times", "int", choices=(0, 1)),
    ],
    key=("trip_id", "start_time"),
)
SHAPES = _file(
    "shapes.txt",
    None,
    [
        C("shape_id", None, required=True),
        C("shape_pt_lat", None, "lat", required=True),
        C("shape_pt_lon", None, "lon", required=True),
        C("shape_pt_sequence", None, "int", required=True, minimum=0),
        C("shape_dist_traveled", None, "float", minimum=0),
    ],
    key=("shape_id", "shape_pt_sequence"),
)
FEED_INFO = _file(
    "feed_info.txt",
    TransitFeed,
    [
        C("feed_publisher_name", "publisher_name", required=True),
        C("feed_publisher_url", "publisher_url", required=True),
        C("feed_lang", "lang", required=True),
        C("default_lang", "default_lang"),
        C("feed_start_date", "start_date", "date"),
        C("feed_end_date", "end_date", "date"),
        C("feed_version", "version"),
        C("feed_contact_email", "contact_email"),
        C("feed_contact_url", "contact_url"),
    ],
)
TRANSLATIONS = _file(
    "translations.txt",
    None,
    [
        C("table_name", required=True),
        C("field_name", required=True),
        C("language", required=True),
        C("translation", required=True),
        C("record_id"),
        C("record_sub_id"),
        C("field_value"),
    ],
)

FILES = {
    f.name: f
    for f in (
        AGENCY,
        STOPS,
        ROUTES,
        TRIPS,
        STOP_TIMES,
        CALENDAR,
        CALENDAR_DATES,
        FREQUENCIES,
        SHAPES,
        FEED_INFO,
        TRANSLATIONS,
    )
}
# The translated names the portal shows: (GTFS table, field) -> the model attribute prefix of its _ar/_fr values.
TRANSLATED = {("stops", "stop_name"): "name", ("routes", "route_long_name"): "long_name"}
LANGUAGES = ("ar", "fr")
