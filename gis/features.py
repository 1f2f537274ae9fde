"""A layer's features as OGC API – Features asks for them: by box (in a CRS of the client's choice), time, property
values and page, in CRS84, EPSG:4326 or Morocco's Lambert Nord (EPSG:26191), as GeoJSON built by the database.

Pages are cut in id order and read one row past the page: that row tells whether a next page exists, so the
whole set of matching features is never counted (a count walks every match; a page of 100 stops early).
Statements are built once per layer and shape of query (which filters, which CRS) and reused with new values.
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Float, Integer, Select, bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from gis import spatial
from gis.layers import BBox, Layer, extent, parse_offset
from services.errors import Invalid, NotFound, collect

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
# A box given in a projected CRS is drawn with this many points per side before it is brought to longitude and
# latitude, where its straight sides become slightly curved.
_BOX_SIDE_POINTS = 64


@dataclass(frozen=True)
class Crs:
    """A coordinate reference system the API reads and writes."""

    uri: str
    srid: int
    # EPSG:4326 lists latitude before longitude (CRS84, the GeoJSON default, is longitude first).
    lat_first: bool
    geographic: bool
    # Decimals written: 6 for degrees (about 10 cm), 2 for metres (1 cm).
    digits: int

    @property
    def header(self) -> str:
        """The value of a Content-Crs header."""
        return f"<{self.uri}>"


CRS84 = Crs("http://www.opengis.net/def/crs/OGC/1.3/CRS84", spatial.WGS84, False, True, 6)
EPSG_4326 = Crs("http://www.opengis.net/def/crs/EPSG/0/4326", spatial.WGS84, True, True, 6)
LAMBERT_NORD = Crs("http://www.opengis.net/def/crs/EPSG/0/26191", 26191, False, False, 2)
CRSES: dict[str, Crs] = {crs.uri: crs for crs in (CRS84, EPSG_4326, LAMBERT_NORD)}
# The same systems as safe CURIEs ([EPSG:4326]), which some clients send.
_CURIES = {"[OGC:CRS84]": CRS84, "[EPSG:4326]": EPSG_4326, "[EPSG:26191]": LAMBERT_NORD}
STORAGE_CRS = CRS84


@dataclass(frozen=True)
class Interval:
    """A time interval, start included and end excluded; None for an open end."""

    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class ItemsQuery:
    bbox: BBox | None = None  # in bbox_crs, x before y (longitude first for EPSG:4326 too)
    bbox_crs: Crs = CRS84
    crs: Crs = CRS84
    interval: Interval | None = None
    filters: tuple[tuple[str, Any], ...] = ()
    limit: int = DEFAULT_LIMIT
    offset: int = 0


@dataclass(frozen=True)
class ItemsPage:
    """One page: `features` is a JSON array (text) of GeoJSON Features."""

    features: str
    returned: int
    has_next: bool
    offset: int

    @property
    def matched(self) -> int | None:
        """How many features match in all, when this page tells it without counting (it is the last one)."""
        if self.has_next or (self.returned == 0 and self.offset > 0):
            return None
        return self.offset + self.returned


# --------------------------------------------------------------------------- parameters


def parse_crs(text: str | None, name: str = "crs") -> Crs:
    """A CRS by its URI (or safe CURIE); CRS84 when absent."""
    if text is None or text == "":
        return CRS84
    crs = CRSES.get(text.strip()) or _CURIES.get(text.strip().upper())
    if crs is None:
        raise Invalid("crs_unsupported", field=name, crs=", ".join(CRSES))
    return crs


def parse_limit(text: str | None) -> int:
    """1 or more; a limit above MAX_LIMIT is read as MAX_LIMIT, as the standard asks."""
    if text is None or text == "":
        return DEFAULT_LIMIT
    # isdigit() also accepts digits of other scripts, which int() reads: only ASCII digits here.
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise Invalid("page_limit_invalid", field="limit", max=MAX_LIMIT)
    return min(int(text), MAX_LIMIT)


def parse_bbox(text: str | None, crs: Crs = CRS84) -> BBox | None:
    """Four numbers (or six, heights ignored) in `crs`'s axis order, returned x (longitude or easting) first."""
    if text is None or text == "":
        return None
    error = Invalid("bbox_invalid" if crs is CRS84 else "bbox_invalid_in_crs", field="bbox")
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise error from None
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise error
    if crs.lat_first:
        values = [values[1], values[0], values[3], values[2]]
    box = BBox(*values)
    if box.minx > box.maxx or box.miny > box.maxy:
        raise error
    if crs.geographic and not (-180 <= box.minx <= box.maxx <= 180 and -90 <= box.miny <= box.maxy <= 90):
        raise error
    return box


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})?$")
_OPEN = ("", "..")


def _instant(text: str) -> tuple[datetime, timedelta]:
    """The instant's start in UTC and its length: a whole day for a date, a second (or a fraction) otherwise."""
    if _DATE.match(text):
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, tzinfo=UTC), timedelta(days=1)
    if not _DATE_TIME.match(text):
        raise ValueError(text)
    moment = datetime.fromisoformat(text.upper().replace(" ", "T"))
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment, timedelta(microseconds=1) if "." in text else timedelta(seconds=1)


def parse_datetime(text: str | None) -> Interval | None:
    """An instant (date or date-time) or an interval `start/end` whose ends may be open (`..` or empty)."""
    if text is None or text == "":
        return None
    error = Invalid("datetime_invalid", field="datetime")
    parts = text.strip().split("/")
    try:
        if len(parts) == 1:
            start, length = _instant(parts[0])
            return Interval(start, start + length)
        if len(parts) != 2 or (parts[0] in _OPEN and parts[1] in _OPEN):
            raise error
        start = None if parts[0] in _OPEN else _instant(parts[0])[0]
        end = None
        if parts[1] not in _OPEN:
            end_start, length = _instant(parts[1])
            end = end_start + length
    except (ValueError, OverflowError):
        raise error from None
    if start and end and start >= end:
        raise error
    return Interval(start, end)


def _filter_value(layer: Layer, name: str, text: str) -> Any:
    kind = layer.properties[name].type.python_type
    if kind is int:
        if not re.fullmatch(r"-?[0-9]{1,18}", text):
            raise Invalid("filter_value_invalid", field=name, name=name)
        return int(text)
    return text


def parse_items_query(layer: Layer, args: Mapping[str, str], allowed: frozenset[str] = frozenset()) -> ItemsQuery:
    """Every parameter of an items request, checked together; Invalid for any value or name not understood.

    `allowed` names parameters the caller reads itself (the output format).
    """
    unknown = [name for name in args if name not in _ITEMS_PARAMETERS and name not in layer.queryables]
    unknown = [name for name in unknown if name not in allowed]
    found = collect(
        unknown=lambda: _no_unknown(unknown),
        bbox_crs=lambda: parse_crs(args.get("bbox-crs"), "bbox-crs"),
        crs=lambda: parse_crs(args.get("crs")),
        datetime=lambda: parse_datetime(args.get("datetime")),
        limit=lambda: parse_limit(args.get("limit")),
        offset=lambda: parse_offset(args.get("offset")),
        filters=lambda: tuple(
            (name, _filter_value(layer, name, args[name])) for name in layer.queryables if name in args
        ),
    )
    return ItemsQuery(
        bbox=parse_bbox(args.get("bbox"), found["bbox_crs"]),
        bbox_crs=found["bbox_crs"],
        crs=found["crs"],
        interval=found["datetime"],
        filters=found["filters"],
        limit=found["limit"],
        offset=found["offset"],
    )


_ITEMS_PARAMETERS = frozenset({"bbox", "bbox-crs", "crs", "datetime", "limit", "offset"})


def _no_unknown(names: list[str]) -> None:
    if names:
        raise Invalid("parameter_unknown", field=names[0], name=names[0])


def check_parameters(args: Mapping[str, str], allowed: frozenset[str]) -> None:
    """Invalid for the first parameter not in `allowed`."""
    _no_unknown([name for name in args if name not in allowed])


# --------------------------------------------------------------------------- statements


@dataclass(frozen=True)
class _Shape:
    """What a statement depends on beyond its values: which filters are present, and the CRSs."""

    bbox_srid: int | None
    since: bool
    until: bool
    filters: tuple[str, ...]
    srid: int
    lat_first: bool
    digits: int


_statements: dict[tuple[str, str, _Shape], Select] = {}
_BOX = ("minx", "miny", "maxx", "maxy")


def _cached(layer: Layer, kind: str, shape: _Shape, build) -> Select:
    key = (layer.name, kind, shape)
    statement = _statements.get(key)
    if statement is None:
        statement = _statements[key] = build(layer, shape)
    return statement


def _output(geom, srid: int, lat_first: bool):
    if srid != spatial.WGS84:
        geom = spatial.transform(geom, srid)
    return spatial.swap_axes(geom) if lat_first else geom


def _box_conditions(layer: Layer, srid: int) -> list:
    corners = [bindparam(name, type_=Float) for name in _BOX]
    if srid == spatial.WGS84:
        # The index meets the features' boxes, stored in single precision: a line or an area must also meet the
        # box itself, and a point a few centimetres beyond an edge must stay out.
        return [
            spatial.within_bbox(layer.geom, *corners),
            spatial.intersects(layer.geom, spatial.envelope(*corners, srid=srid)),
        ]
    # The box drawn in its own CRS and brought to longitude and latitude once (a subquery, not once per row).
    frame = select(
        spatial.transform(spatial.densify(spatial.envelope(*corners, srid=srid), bindparam("step", type_=Float)), 4326)
    ).scalar_subquery()
    return [spatial.within_frame(layer.geom, frame), spatial.intersects(layer.geom, frame)]


def _where(layer: Layer, shape: _Shape) -> list:
    where = _box_conditions(layer, shape.bbox_srid) if shape.bbox_srid is not None else []
    if layer.temporal is not None:
        time = layer.temporal[1]
        if shape.since:
            where.append(time >= bindparam("since", type_=time.type))
        if shape.until:
            where.append(time < bindparam("until", type_=time.type))
    for name in shape.filters:
        column = layer.properties[name]
        where.append(column == bindparam(f"q_{name}", type_=column.type))
    return where


def _feature_array(layer: Layer, page, shape: _Shape):
    return spatial.feature_array(
        page.c.f_id,
        page.c.f_id,
        _output(page.c.f_geom, shape.srid, shape.lat_first),
        {name: page.c[f"p_{name}"] for name in layer.properties},
        digits=shape.digits,
    )


def _page_columns(layer: Layer) -> list:
    return [
        layer.id.label("f_id"),
        layer.geom.label("f_geom"),
        *(column.label(f"p_{name}") for name, column in layer.properties.items()),
    ]


def _build_items(layer: Layer, shape: _Shape) -> Select:
    # With a box, the order is `id + 0`, which no index gives: otherwise, knowing that a page needs few rows, the
    # planner walks the id index and tests every row against the box until the page is full (80,000 rows for a
    # box of 400 lights among 100,000, instead of the 400 the spatial index finds and sorts).
    order = layer.id + literal_column("0") if shape.bbox_srid is not None else layer.id
    # The page and one row past it, computed once: how many came tells whether a next page exists.
    fetched = (
        layer.source(*_page_columns(layer))
        .where(*_where(layer, shape))
        .order_by(order)
        .limit(bindparam("fetch", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .cte("fetched")
        .prefix_with("MATERIALIZED")
    )
    page = select(fetched).order_by(fetched.c.f_id).limit(bindparam("limit", type_=Integer)).subquery("page")
    count = select(func.count()).select_from(fetched).scalar_subquery()
    return select(count, _feature_array(layer, page, shape)).select_from(page)


def _build_item(layer: Layer, shape: _Shape) -> Select:
    page = layer.source(*_page_columns(layer)).where(layer.id == bindparam("fid", type_=Integer)).subquery("page")
    return select(_feature_array(layer, page, shape))


def _shape(query: ItemsQuery) -> _Shape:
    interval = query.interval
    return _Shape(
        bbox_srid=query.bbox_crs.srid if query.bbox else None,
        since=bool(interval and interval.start),
        until=bool(interval and interval.end),
        filters=tuple(name for name, _value in query.filters),
        srid=query.crs.srid,
        lat_first=query.crs.lat_first,
        digits=query.crs.digits,
    )


def _params(query: ItemsQuery) -> dict:
    params = {"fetch": query.limit + 1, "offset": query.offset, "limit": query.limit}
    if query.bbox:
        params.update(zip(_BOX, query.bbox, strict=True))
        if query.bbox_crs.srid != spatial.WGS84:
            box = query.bbox
            # A point-sized box needs no points added; ST_Segmentize refuses a length of 0.
            params["step"] = max(box.maxx - box.minx, box.maxy - box.miny) / _BOX_SIDE_POINTS or 1.0
    if query.interval:
        params["since"], params["until"] = query.interval.start, query.interval.end
    params.update((f"q_{name}", value) for name, value in query.filters)
    return params


# --------------------------------------------------------------------------- queries


def items(session: Session, layer: Layer, query: ItemsQuery) -> ItemsPage:
    """One page of the features of `layer` that `query` selects, in id order."""
    if query.interval and layer.temporal is None:
        # Features without a time are not filtered by one (OGC API – Features, /req/core/fc-time-response).
        query = replace(query, interval=None)
    statement = _cached(layer, "items", _shape(query), _build_items)
    fetched, features = spatial.read_connection(session).execute(statement, _params(query)).one()
    return ItemsPage(
        features=features, returned=min(fetched, query.limit), has_next=fetched > query.limit, offset=query.offset
    )


def item(session: Session, layer: Layer, feature_id: str, crs: Crs = CRS84) -> str:
    """One feature of `layer` as GeoJSON text; NotFound when the layer has no such feature."""
    if not (feature_id.isascii() and feature_id.isdigit() and len(feature_id) <= 18):
        raise NotFound("feature_unknown")
    shape = _shape(ItemsQuery(crs=crs))
    statement = _cached(layer, "item", shape, _build_item)
    features = spatial.read_connection(session).execute(statement, {"fid": int(feature_id)})
    found = features.scalar()
    if not found or found == "[]":
        raise NotFound("feature_unknown")
    return found[1:-1]


def spatial_extent(session: Session, layer: Layer) -> BBox | None:
    """The box (CRS84) around every feature of the layer, or None when it is empty."""
    return extent(session, layer)


def temporal_extent(session: Session, layer: Layer) -> tuple[datetime, datetime] | None:
    """The first and last time of the layer's features, in UTC, or None (no time, or none set)."""
    if layer.temporal is None:
        return None
    time = layer.temporal[1]
    first, last = session.execute(layer.source(func.min(time), func.max(time))).one()
    if first is None:
        return None
    return _utc(first), _utc(last)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
