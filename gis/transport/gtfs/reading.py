"""Read a GTFS zip and check it row by row, every problem named by file, 1-based data row, column and code.

The files are read as text with the standard csv module, every value a string until this module parses it:
gtfs-kit's reader casts whole columns (one bad latitude fails the file without saying which row), skips
translations.txt and files that have only a header, and loads geopandas (seconds) on the way.
"""

import csv
import hashlib
import io
import math
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gis.transport.gtfs.spec import (
    AGENCY,
    CALENDAR,
    CALENDAR_DATES,
    FEED_INFO,
    FILES,
    FREQUENCIES,
    ROUTES,
    SHAPES,
    STOP_TIMES,
    STOPS,
    TRANSLATED,
    TRANSLATIONS,
    TRIPS,
    Column,
    GtfsFile,
)
from services.errors import Invalid

Source = str | Path | bytes

_TIME = re.compile(r"(\d{1,3}):([0-5]\d):([0-5]\d)")
_DATE = re.compile(r"\d{8}")
_INT = re.compile(r"[+-]?\d+")
_COLOR = re.compile(r"[0-9A-Fa-f]{6}")


@dataclass(frozen=True)
class Problem:
    """Why a feed cannot be imported: `row` is the 1-based data row (None: the whole file), `field` its column."""

    file: str | None
    row: int | None
    field: str | None
    code: str
    params: dict = field(default_factory=dict)


@dataclass
class Feed:
    """A feed as read: each file's rows (column -> parsed value; None when empty or wrong) and its problems."""

    name: str
    sha256: str
    tables: dict[str, list[dict[str, Any]]]
    problems: list[Problem]

    def rows(self, gtfs_file: GtfsFile) -> list[dict[str, Any]]:
        return self.tables.get(gtfs_file.name, [])

    @property
    def counts(self) -> dict[str, int]:
        """Data rows per file present in the zip."""
        return {name: len(rows) for name, rows in self.tables.items()}

    @property
    def row_count(self) -> int:
        return sum(self.counts.values())


def parse_time(text: str) -> int | None:
    """Seconds after the service day's start of H:MM:SS (hours may pass 24), or None if it is not one."""
    match = _TIME.fullmatch(text)
    if not match:
        return None
    hours, minutes, seconds = map(int, match.groups())
    return hours * 3600 + minutes * 60 + seconds


def format_time(seconds: int) -> str:
    """HH:MM:SS, past 24:00:00 after midnight."""
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def parse_date(text: str) -> date | None:
    if not _DATE.fullmatch(text):
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


@lru_cache(maxsize=256)
def _known_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _parse(column: Column, text: str) -> tuple[Any, str | None, dict]:
    """(value, problem code or None, problem parameters) of one non-empty cell."""
    kind = column.kind
    if kind == "text":
        if column.max_length and len(text) > column.max_length:
            return None, "too_long", {"max": column.max_length}
        return text, None, {}
    if kind == "time":
        seconds = parse_time(text)
        return (seconds, None, {}) if seconds is not None else (None, "time_invalid", {})
    if kind == "date":
        day = parse_date(text)
        return (day, None, {}) if day else (None, "date_invalid", {})
    if kind in ("int", "flag"):
        if not _INT.fullmatch(text):
            return None, "whole_number_invalid", {}
        value = int(text)
        if kind == "flag":
            return (value == 1, None, {}) if value in (0, 1) else (None, "choice_invalid", {"choices": "0, 1"})
        if column.choices is not None and value not in column.choices:
            listed = ", ".join(map(str, column.choices)) if len(column.choices) <= 12 else ""
            return None, "choice_invalid", {"choices": listed}
        if column.minimum is not None and value < column.minimum:
            return None, "too_small", {"min": column.minimum}
        return value, None, {}
    if kind in ("float", "lat", "lon"):
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if kind == "lat" and not -90 <= value <= 90:
            return None, "latitude_invalid", {}
        if kind == "lon" and not -180 <= value <= 180:
            return None, "longitude_invalid", {}
        if not math.isfinite(value):
            return None, "number_invalid", {}
        if column.minimum is not None and value < column.minimum:
            return None, "too_small", {"min": column.minimum}
        return value, None, {}
    if kind == "color":
        return (text, None, {}) if _COLOR.fullmatch(text) else (None, "color_invalid", {})
    if kind == "timezone":
        return (text, None, {}) if _known_timezone(text) else (None, "timezone_unknown", {})
    raise ValueError(f"unknown kind {kind!r}")


class _Reader:
    def __init__(self, archive: zipfile.ZipFile, name: str):
        self.archive = archive
        self.name = name
        self.tables: dict[str, list[dict]] = {}
        self.problems: list[Problem] = []
        # Some producers zip the files inside a folder: find them by their base name.
        self.members = {
            Path(info.filename).name: info.filename
            for info in archive.infolist()
            if not info.is_dir() and info.filename.endswith(".txt")
        }

    def problem(self, file: str | None, row: int | None, column: str | None, code: str, **params) -> None:
        self.problems.append(Problem(file, row, column, code, params))

    def read(self, spec: GtfsFile) -> None:
        """Parse one file's rows into self.tables (absent files stay absent)."""
        member = self.members.get(spec.name)
        if member is None:
            return
        try:
            text = self.archive.read(member).decode("utf-8-sig")
        except UnicodeDecodeError:
            self.problem(spec.name, None, None, "encoding_invalid")
            return
        except (zipfile.BadZipFile, OSError, EOFError):
            self.problem(spec.name, None, None, "file_unreadable")
            return
        try:
            records = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            self.problem(spec.name, None, None, "file_unreadable", detail=str(exc))
            return
        rows: list[dict] = []
        self.tables[spec.name] = rows
        if not records:
            if spec.required:
                self.problem(spec.name, None, None, "file_empty")
            return
        header = [name.strip() for name in records[0]]
        known = {c.name: c for c in spec.columns}
        for column in spec.columns:
            if column.required and column.name not in header:
                self.problem(spec.name, None, column.name, "column_missing")
        positions = [(i, known[name]) for i, name in enumerate(header) if name in known]
        good = []
        for number, record in enumerate(records[1:], start=1):
            if not record or record == [""]:
                continue  # blank lines, often at the end
            if len(record) != len(header):
                self.problem(spec.name, number, None, "row_length", expected=len(header), found=len(record))
                continue
            good.append((number, record))
        rows.extend({"_row": number} for number, _record in good)
        found: list[Problem] = []
        # Column by column, each distinct value parsed once: stop_times.txt repeats its times and ids.
        for i, column in positions:
            name, plain_text = column.name, column.kind == "text"
            longest = column.max_length or math.inf
            parsed: dict[str, tuple] = {}
            for row, (number, record) in zip(rows, good, strict=True):
                text = record[i].strip()
                if not text:
                    row[name] = None
                    if column.required:
                        found.append(Problem(spec.name, number, name, "required", {}))
                    continue
                if plain_text and len(text) <= longest:
                    row[name] = text
                    continue
                outcome = parsed.get(text)
                if outcome is None:
                    outcome = parsed[text] = _parse(column, text)
                value, code, params = outcome
                row[name] = value
                if code:
                    found.append(Problem(spec.name, number, name, code, {"value": text, **params}))
                    row.setdefault("_wrong", set()).add(name)
        found.sort(key=lambda p: p.row)
        self.problems.extend(found)
        if spec.required and not rows:
            self.problem(spec.name, None, None, "file_empty")


def _read_bytes(source: Source) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        return source, "feed.zip"
    path = Path(source)
    try:
        return path.read_bytes(), path.name
    except OSError as exc:
        raise Invalid("gtfs_unreadable", detail=exc.strerror or str(exc)) from exc


def read_feed(source: Source, *, name: str | None = None) -> Feed:
    """Read and check a GTFS zip (a path or its bytes). Raises Invalid("gtfs_unreadable") when it is no zip."""
    data, default_name = _read_bytes(source)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise Invalid("gtfs_unreadable", detail=str(exc)) from exc
    reader = _Reader(archive, name or default_name)
    with archive:
        for spec in FILES.values():
            reader.read(spec)
    for spec in FILES.values():
        if spec.required and spec.name not in reader.tables:
            reader.problem(spec.name, None, None, "file_missing")
    if CALENDAR.name not in reader.tables and CALENDAR_DATES.name not in reader.tables:
        reader.problem(CALENDAR.name, None, None, "calendar_missing")
    feed = Feed(reader.name, hashlib.sha256(data).hexdigest(), reader.tables, reader.problems)
    _check(feed, reader.problem)
    return feed


# --------------------------------------------------------------------------- checks across rows and files


def _shown(column: Column, value: Any) -> str:
    """A parsed value written as the feed writes it, for messages."""
    if column.kind == "time":
        return format_time(value)
    if column.kind == "date":
        return value.strftime("%Y%m%d")
    return str(value)


def _duplicates(feed: Feed, spec: GtfsFile, problem: Callable) -> None:
    """Report rows whose key (stop_id, trip_id and stop_sequence, ...) an earlier row of the file has."""
    first: dict = {}
    last = spec.column(spec.key[-1])
    for row in feed.rows(spec):
        key = tuple(row.get(c) for c in spec.key)
        if any(part is None for part in key):
            continue
        if key in first:
            value = _shown(last, key[-1])
            problem(spec.name, row["_row"], last.name, "id_duplicate", value=value, first=first[key])
        else:
            first[key] = row["_row"]


def _references(feed: Feed, spec: GtfsFile, column: str, known, target: str, problem: Callable) -> None:
    for row in feed.rows(spec):
        value = row.get(column)
        if value is not None and value not in known:
            problem(spec.name, row["_row"], column, "reference_unknown", value=value, target=target)


def _check(feed: Feed, problem: Callable) -> None:
    for spec in FILES.values():
        if spec.key:
            _duplicates(feed, spec, problem)

    agencies = feed.rows(AGENCY)
    agency_ids = {a.get("agency_id") for a in agencies}
    if len(agencies) > 1:
        for row in agencies:
            if row.get("agency_id") is None:
                problem(AGENCY.name, row["_row"], "agency_id", "required")
    for row in feed.rows(ROUTES):
        if row.get("agency_id") is None and len(agencies) > 1:
            problem(ROUTES.name, row["_row"], "agency_id", "required")
        if row.get("route_short_name") is None and row.get("route_long_name") is None:
            problem(ROUTES.name, row["_row"], "route_short_name", "route_name_missing")
    _references(feed, ROUTES, "agency_id", agency_ids, AGENCY.name, problem)

    stop_ids = {s.get("stop_id") for s in feed.rows(STOPS)}
    _references(feed, STOPS, "parent_station", stop_ids, STOPS.name, problem)
    _references(feed, TRIPS, "route_id", {r.get("route_id") for r in feed.rows(ROUTES)}, ROUTES.name, problem)
    services = {c.get("service_id") for c in feed.rows(CALENDAR)} | {
        c.get("service_id") for c in feed.rows(CALENDAR_DATES)
    }
    _references(feed, TRIPS, "service_id", services, "calendar.txt, calendar_dates.txt", problem)
    _check_shapes(feed, problem)
    _references(feed, TRIPS, "shape_id", {s.get("shape_id") for s in feed.rows(SHAPES)}, SHAPES.name, problem)
    trip_ids = {t.get("trip_id") for t in feed.rows(TRIPS)}
    _references(feed, STOP_TIMES, "trip_id", trip_ids, TRIPS.name, problem)
    _references(feed, STOP_TIMES, "stop_id", stop_ids, STOPS.name, problem)
    _references(feed, FREQUENCIES, "trip_id", trip_ids, TRIPS.name, problem)
    _check_stop_times(feed, problem)

    for spec, start, end, code in (
        (CALENDAR, "start_date", "end_date", "dates_not_ordered"),
        (FEED_INFO, "feed_start_date", "feed_end_date", "dates_not_ordered"),
        (FREQUENCIES, "start_time", "end_time", "window_not_ordered"),
    ):
        for row in feed.rows(spec):
            first, last = row.get(start), row.get(end)
            # A service may run on one day (start = end); a frequency window must last.
            if first is not None and last is not None and (first >= last if spec is FREQUENCIES else first > last):
                problem(spec.name, row["_row"], end, code)
    for row in feed.rows(FEED_INFO)[1:]:
        problem(FEED_INFO.name, row.get("_row"), None, "row_extra")

    known = {
        ("stops", "stop_name"): stop_ids,
        ("routes", "route_long_name"): {r.get("route_id") for r in feed.rows(ROUTES)},
    }
    for row in feed.rows(TRANSLATIONS):
        key = (row.get("table_name"), row.get("field_name"))
        if key in TRANSLATED and row.get("record_id") is not None and row["record_id"] not in known[key]:
            target = STOPS.name if key[0] == "stops" else ROUTES.name
            problem(
                TRANSLATIONS.name, row["_row"], "record_id", "reference_unknown", value=row["record_id"], target=target
            )


def _check_shapes(feed: Feed, problem: Callable) -> None:
    points: dict[str, list[dict]] = defaultdict(list)
    for row in feed.rows(SHAPES):
        if row.get("shape_id") is not None:
            points[row["shape_id"]].append(row)
    for rows in points.values():
        if len(rows) < 2:
            problem(SHAPES.name, rows[0]["_row"], "shape_id", "shape_too_short", value=rows[0]["shape_id"])


def _check_stop_times(feed: Feed, problem: Callable) -> None:
    """Within each trip in stop_sequence order: times present at both ends, never going back."""
    by_trip: dict[str, list[dict]] = defaultdict(list)
    for row in feed.rows(STOP_TIMES):
        if row.get("_wrong", set()) & {"arrival_time", "departure_time"}:
            continue  # already reported: not a missing time
        arrival, departure = row.get("arrival_time"), row.get("departure_time")
        if arrival is not None and departure is not None and arrival > departure:
            problem(STOP_TIMES.name, row["_row"], "departure_time", "arrival_after_departure")
        elif (arrival is None) != (departure is None):
            missing = "arrival_time" if arrival is None else "departure_time"
            problem(STOP_TIMES.name, row["_row"], missing, "time_pair_incomplete")
        if row.get("trip_id") is not None and row.get("stop_sequence") is not None:
            by_trip[row["trip_id"]].append(row)
    for rows in by_trip.values():
        rows.sort(key=lambda r: r["stop_sequence"])
        for end in (rows[0], rows[-1]) if len(rows) > 1 else rows:
            for column in ("arrival_time", "departure_time"):
                if end.get(column) is None:
                    problem(STOP_TIMES.name, end["_row"], column, "trip_edge_time_missing")
        latest = None  # (the latest time so far along the trip, its row)
        for row in rows:
            times = [(row.get(c), c) for c in ("arrival_time", "departure_time") if row.get(c) is not None]
            if not times:
                continue  # between timepoints, left to interpolation
            if latest is not None and times[0][0] < latest[0]:
                problem(STOP_TIMES.name, row["_row"], times[0][1], "time_goes_back", previous=latest[1])
            if latest is None or times[-1][0] >= latest[0]:
                latest = (times[-1][0], row["_row"])
