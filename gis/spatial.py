"""The one module that knows PostGIS from SpatiaLite.

Callers build dialect-neutral expressions (``within_bbox``, ``distance_m``, ...);
each is a SQL construct compiled here per dialect, so queries elsewhere never
branch on the database. Engine set-up and spatial metadata also live here.
"""

import json
import math
import os
import re
import select
import sqlite3
import time
from collections.abc import Sequence

from geoalchemy2 import Geometry, alembic_helpers
from sqlalchemy import (
    Connection,
    Engine,
    Index,
    Table,
    bindparam,
    event,
    exc,
    func,
    insert,
    literal,
    literal_column,
    text,
    union_all,
)
from sqlalchemy import select as select_
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import JSON, Boolean, Float, Integer, String

WGS84 = 4326
# Metres per degree of latitude (mean); used only for index pre-filter boxes,
# which are widened so the exact test that follows never misses a row.
_M_PER_DEG = 111_320.0
_BOX_MARGIN = 1.05

SPATIALITE_MODULE = os.environ.get("SPATIALITE_LIBRARY_PATH", "mod_spatialite")


# --------------------------------------------------------------------------- engines


def sqlite_dbapi():
    """The sqlite DB-API module able to load extensions (pysqlite3 where needed)."""
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        return sqlite3
    import pysqlite3.dbapi2

    return pysqlite3.dbapi2


def engine_options(url: str) -> dict:
    """Extra create_engine() options the backend behind `url` needs."""
    if make_url(url).get_backend_name() == "sqlite":
        return {"module": sqlite_dbapi(), "connect_args": {"timeout": 30}}
    # No pool_pre_ping: its SELECT 1 costs a round trip on every checkout. configure_engine checks connections
    # another way, for a system call.
    # No JIT: PostgreSQL compiles the plans it thinks costly (a clustering of a year's reports, say) for more time
    # than it then saves on a web request's query: 200-550 ms on the dashboard's hotspots at a million requests.
    return {"connect_args": {"options": "-c jit=off"}}


# A pooled PostgreSQL connection idle longer than this is pinged before use (see _check_on_checkout).
PING_AFTER_IDLE_S = 30.0


def configure_engine(engine: Engine) -> None:
    """Attach the per-connection set-up a backend needs (SpatiaLite, transactions; live PostgreSQL connections)."""
    if engine.dialect.name == "postgresql":
        _check_on_checkout(engine)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.enable_load_extension(True)
        dbapi_conn.load_extension(SPATIALITE_MODULE)
        dbapi_conn.enable_load_extension(False)
        # Let SQLAlchemy drive transactions: the driver's implicit BEGIN breaks
        # SAVEPOINT and transactional DDL (Alembic) otherwise.
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA foreign_keys = ON")
        dbapi_conn.execute("PRAGMA busy_timeout = 30000")

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN")


def _check_on_checkout(engine: Engine) -> None:
    """Hand out only live connections, without a round trip to the server for each one.

    A connection the server has closed (a restart, a terminated backend, an idle timeout) has the server's last
    message or the end of the stream waiting on its socket, where an idle, healthy one has nothing: polling the
    socket sees it. A connection idle for PING_AFTER_IDLE_S is pinged as well, for what leaves no trace on the
    socket (a firewall that forgot it). A dead one is replaced before anyone uses it (DisconnectionError).
    """

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_conn, record, _proxy):
        poll = select.poll()
        poll.register(dbapi_conn.fileno(), select.POLLIN)
        idle = time.monotonic() - record.info.get("checked_in", 0.0)
        if dbapi_conn.closed or poll.poll(0) or (idle > PING_AFTER_IDLE_S and not _ping(engine, dbapi_conn)):
            raise exc.DisconnectionError("the server closed this connection")

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _idle_since(_dbapi_conn, record):
        record.info["checked_in"] = time.monotonic()


def _ping(engine: Engine, dbapi_conn) -> bool:
    try:
        return bool(engine.dialect.do_ping(dbapi_conn))
    except engine.dialect.loaded_dbapi.Error:
        return False


def read_connection(session: Session | scoped_session) -> Connection:
    """The session's connection, for statements that only read.

    On PostgreSQL it is in autocommit when the session has no transaction yet: each statement sees committed data
    as a transaction would, and the server is spared a BEGIN and a ROLLBACK around it (two round trips, more than
    a small query costs). A session already in a transaction, or bound to a connection of its own (that may hold
    one), reads within it. Not for a request that writes afterwards: its writes would not wait for a commit.
    """
    if isinstance(session, scoped_session):
        session = session()
    if (
        session.in_transaction()
        or isinstance(session.get_bind(), Connection)
        or session.get_bind().dialect.name != "postgresql"
    ):
        return session.connection()
    return session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def enable_spatial(connection: Connection) -> None:
    """Prepare an empty database for geometries: PostGIS, or SpatiaLite metadata.

    Called by the first migration. SpatiaLite's metadata (with every EPSG SRID,
    Morocco's Lambert EPSG:26191 included) is created once, in one transaction.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    elif not connection.execute(text("SELECT CheckSpatialMetaData()")).scalar():
        # Inside the migration's transaction: the whole initialisation commits once.
        connection.execute(text("SELECT InitSpatialMetaData()"))


# Tables that SpatiaLite or PostGIS own; no model describes them.
_SPATIAL_INTERNALS = (
    "spatialindex",
    "elementarygeometries",
    "knn",
    "knn2",
    "data_licenses",
    "sql_statements_log",
    "spatial_ref_sys_aux",
    "spatialite_history",
    "geometry_columns",
    "views_geometry_columns",
    "virts_geometry_columns",
    "vector_layers",
)


def include_object(obj, name, obj_type, reflected, compare_to) -> bool:
    """Alembic filter: compare only the project's own tables, not the spatial engine's."""
    if obj_type == "table" and name.lower().startswith(_SPATIAL_INTERNALS):
        return False
    return alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to)


def backend_version(connection: Connection) -> str:
    """Human-readable version of the spatial engine, for health checks."""
    if connection.dialect.name == "postgresql":
        return "PostGIS " + connection.execute(text("SELECT postgis_lib_version()")).scalar()
    return "SpatiaLite " + connection.execute(text("SELECT spatialite_version()")).scalar()


def bulk_insert(connection: Connection, table: Table, rows: Sequence[dict], *, points: bool = False) -> None:
    """Insert many plain rows the way each engine takes them fastest: COPY into PostGIS, multi-row INSERTs else.

    Line and area geometries come as EWKT text in "geom"; with `points`, each row gives "lon" and "lat" instead.
    Nothing is returned and no default of the models applies: rows carry every value they need.
    """
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        _copy(connection, table, rows, points=points)
        return
    statement = insert(table)
    if points:
        statement = statement.values(geom=Point(bindparam("lon", type_=Float), bindparam("lat", type_=Float)))
    # RETURNING makes SQLAlchemy send multi-row INSERTs ("insertmanyvalues") instead of one statement per row.
    connection.execute(statement.returning(*table.primary_key.columns), rows).all()


def _copy(connection: Connection, table: Table, rows: Sequence[dict], *, points: bool) -> None:
    """COPY rows into a PostgreSQL table (psycopg adapts each value; geometries go in as EWKT text)."""
    columns = [c for c in rows[0] if c not in ("lon", "lat")] + (["geom"] if points else [])
    as_json = {c.name for c in table.columns if isinstance(c.type, JSON)}

    def values(row: dict) -> list:
        if points:
            row = {**row, "geom": f"SRID={WGS84};POINT({row['lon']!r} {row['lat']!r})"}
        return [json.dumps(row[c]) if c in as_json else row[c] for c in columns]

    # Table and column names come from the models' metadata, never from user input.
    names = ", ".join(f'"{c}"' for c in columns)
    with (
        connection.connection.driver_connection.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row(values(row))


def add_to_counters(connection: Connection, table: Table, rows: Sequence[dict], counters: Sequence[str]) -> None:
    """Add each row's counter values to the row with the same primary key, creating it at zero first.

    One INSERT ... ON CONFLICT DO UPDATE per row, which both engines take with the same meaning: two
    transactions adding to one row serialise on it, so no increment is ever lost.
    """
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    statement = upsert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={name: table.c[name] + statement.excluded[name] for name in counters},
    )
    connection.execute(statement, list(rows))


# --------------------------------------------------------------------------- expressions


class _Spatial(FunctionElement):
    inherit_cache = True


class Point(_Spatial):
    """A WGS84 point from longitude and latitude."""

    inherit_cache = True
    type = Geometry("POINT", srid=WGS84)
    name = "brk_point"


class _IndexFilter(_Spatial):
    """A test the spatial index answers. Its SQL is a true boolean on both engines: SQLAlchemy must not add the
    "= 1" it gives boolean functions on SQLite, which turns `ROWID IN (…)` into a test of every row of the table
    instead of a lookup of the rows the index found."""

    inherit_cache = True
    type = Boolean()

    def self_group(self, against=None):
        return self


class WithinBBox(_IndexFilter):
    """The geometry's bounding box intersects (minx, miny, maxx, maxy), index-assisted."""

    inherit_cache = True
    name = "brk_within_bbox"


class DistanceMetres(_Spatial):
    """Geodesic distance in metres between two WGS84 geometries."""

    inherit_cache = True
    type = Float()
    name = "brk_distance_m"


class AreaSquareMetres(_Spatial):
    """Geodesic area in square metres of a WGS84 geometry."""

    inherit_cache = True
    type = Float()
    name = "brk_area_m2"


class Contains(_Spatial):
    """The geometry contains the point (boundary included)."""

    inherit_cache = True
    type = Boolean()
    name = "brk_contains"


class Intersects(_Spatial):
    """Two geometry expressions share at least one point (no index hint: for one-row lookups)."""

    inherit_cache = True
    type = Boolean()
    name = "brk_intersects"


class BufferMetres(_Spatial):
    """The area within a distance in metres of a WGS84 geometry, as a WGS84 polygon."""

    inherit_cache = True
    type = Geometry("POLYGON", srid=WGS84)
    name = "brk_buffer_m"


def point(lon: float, lat: float) -> Point:
    return Point(lon, lat)


def within_bbox(column, minx: float, miny: float, maxx: float, maxy: float) -> ColumnElement[bool]:
    return WithinBBox(column, minx, miny, maxx, maxy)


def distance_m(column, lon: float, lat: float) -> DistanceMetres:
    return DistanceMetres(column, point(lon, lat))


def area_m2(column) -> AreaSquareMetres:
    return AreaSquareMetres(column)


def contains_point(column, lon: float, lat: float) -> ColumnElement[bool]:
    return Contains(column, point(lon, lat))


def covering_index(name: str, *columns: str, include: Sequence[str]) -> Index:
    """An index on `columns` that also carries the `include` columns on PostgreSQL (INCLUDE), so that a query
    reading only those is answered from the index alone; the embedded database indexes `columns` only."""
    return Index(name, *columns, postgresql_include=list(include))


# Points per statement on the embedded database: it takes at most 500 SELECTs in one compound SELECT.
_POINTS_PER_COMPOUND = 400


def point_rows(session: Session, points: Sequence[tuple[float, float]]) -> list:
    """The (lon, lat) points as rows (n: the point's place in `points`, lon, lat) to join with, in as few
    FROM-clause elements as the database allows: one on PostgreSQL (two arrays unnested: one statement to plan
    whatever their number), one per 400 points on SpatiaLite (SELECTs joined by UNION ALL: it reads no named
    VALUES list)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        lons = bindparam("lons", [float(lon) for lon, _ in points], type_=ARRAY(Float))
        lats = bindparam("lats", [float(lat) for _, lat in points], type_=ARRAY(Float))
        rows = func.unnest(lons, lats).table_valued("lon", "lat", with_ordinality="ordinality").render_derived()
        return [select_((rows.c.ordinality - 1).label("n"), rows.c.lon, rows.c.lat).subquery("spot")]
    return [
        union_all(
            *(
                select_(
                    literal(n, Integer).label("n"),
                    literal(float(lon), Float).label("lon"),
                    literal(float(lat), Float).label("lat"),
                )
                for n, (lon, lat) in enumerate(points[first : first + _POINTS_PER_COMPOUND], start=first)
            )
        ).subquery("spot")
        for first in range(0, len(points), _POINTS_PER_COMPOUND)
    ]


def intersects(a, b) -> ColumnElement[bool]:
    return Intersects(a, b)


def buffer_m(column, metres: float) -> BufferMetres:
    """The area within `metres` of the geometry (a disc for a point), drawn with 128 sides: area off by < 0.1 %."""
    if metres <= 0:
        raise ValueError("the buffer's distance must be positive")
    return BufferMetres(column, literal_column(repr(float(metres))))


def degree_box(lon: float, lat: float, metres: float) -> tuple[float, float, float, float]:
    """A lon/lat box that surely holds every point within `metres` of (lon, lat)."""
    dlat = metres * _BOX_MARGIN / _M_PER_DEG
    cos_lat = max(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1e-6)
    dlon = metres * _BOX_MARGIN / (_M_PER_DEG * cos_lat)
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def within_m(column, lon: float, lat: float, metres: float) -> ColumnElement[bool]:
    """Geometries within `metres` of (lon, lat): index pre-filter, then exact test."""
    return within_bbox(column, *degree_box(lon, lat, metres)) & (distance_m(column, lon, lat) <= metres)


def nearest_first(column, lon: float, lat: float) -> DistanceMetres:
    """An ORDER BY key: nearest geometry first (combine with `within_m` to bound it)."""
    return distance_m(column, lon, lat)


# --------------------------------------------------------------------------- compilation


def _args(element, compiler, **kw) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


@compiles(Point, "postgresql")
def _point_pg(element, compiler, **kw):
    lon, lat = _args(element, compiler, **kw)
    return f"ST_SetSRID(ST_MakePoint({lon}, {lat}), {WGS84})"


@compiles(Point, "sqlite")
def _point_sl(element, compiler, **kw):
    lon, lat = _args(element, compiler, **kw)
    return f"MakePoint({lon}, {lat}, {WGS84})"


@compiles(WithinBBox, "postgresql")
def _bbox_pg(element, compiler, **kw):
    col, minx, miny, maxx, maxy = _args(element, compiler, **kw)
    return f"({col} && ST_MakeEnvelope({minx}, {miny}, {maxx}, {maxy}, {WGS84}))"


def _spatial_index_filter(column, compiler, frame: str, **kw) -> str:
    """SpatiaLite only uses an R*Tree index when asked through its SpatialIndex table."""
    rendered = compiler.process(column, **kw)
    table = getattr(column, "table", None)
    base = getattr(table, "element", table)  # an alias keeps its table in .element
    if base is None or not hasattr(base, "name") or "." not in rendered:
        return f"(MbrIntersects({rendered}, {frame}) = 1)"
    qualifier = rendered.rsplit(".", 1)[0]
    # Table and column names come from the models' metadata, never from user input.
    return (
        f"{qualifier}.ROWID IN (SELECT ROWID FROM SpatialIndex "  # noqa: S608
        f"WHERE f_table_name = '{base.name}' AND f_geometry_column = '{column.name}' "
        f"AND search_frame = {frame})"
    )


@compiles(WithinBBox, "sqlite")
def _bbox_sl(element, compiler, **kw):
    column = next(iter(element.clauses))
    _col, minx, miny, maxx, maxy = _args(element, compiler, **kw)
    return _spatial_index_filter(column, compiler, f"BuildMbr({minx}, {miny}, {maxx}, {maxy}, {WGS84})", **kw)


@compiles(DistanceMetres, "postgresql")
def _distance_pg(element, compiler, **kw):
    a, b = _args(element, compiler, **kw)
    return f"ST_Distance(({a})::geography, ({b})::geography)"


@compiles(DistanceMetres, "sqlite")
def _distance_sl(element, compiler, **kw):
    a, b = _args(element, compiler, **kw)
    return f"ST_Distance({a}, {b}, 1)"


@compiles(AreaSquareMetres, "postgresql")
def _area_pg(element, compiler, **kw):
    (a,) = _args(element, compiler, **kw)
    return f"ST_Area(({a})::geography)"


@compiles(AreaSquareMetres, "sqlite")
def _area_sl(element, compiler, **kw):
    (a,) = _args(element, compiler, **kw)
    return f"ST_Area({a}, 1)"


@compiles(Intersects)
def _intersects(element, compiler, **kw):
    a, b = _args(element, compiler, **kw)
    return f"ST_Intersects({a}, {b})"


@compiles(Contains, "postgresql")
def _contains_pg(element, compiler, **kw):
    a, b = _args(element, compiler, **kw)
    return f"ST_Intersects({a}, {b})"


@compiles(Contains, "sqlite")
def _contains_sl(element, compiler, **kw):
    column = next(iter(element.clauses))
    a, b = _args(element, compiler, **kw)
    return f"({_spatial_index_filter(column, compiler, b, **kw)} AND ST_Intersects({a}, {b}))"


# 32 segments per quarter circle: the polygon's area is within 0.05 % of the disc's (8, the default, is 0.6 % short).
_BUFFER_QUADRANT_SEGMENTS = 32


@compiles(BufferMetres, "postgresql")
def _buffer_pg(element, compiler, **kw):
    geom, metres = _args(element, compiler, **kw)
    # A geography buffer: PostGIS draws it in the UTM zone (or polar projection) that suits the geometry.
    return f"(ST_Buffer(({geom})::geography, {metres}, {_BUFFER_QUADRANT_SEGMENTS}))::geometry"


@compiles(BufferMetres, "sqlite")
def _buffer_sl(element, compiler, **kw):
    geom, metres = _args(element, compiler, **kw)
    # SpatiaLite buffers in the geometry's own units: draw it in the UTM zone of the geometry's centre (WGS 84,
    # so no datum shift; scale error under 0.1 % inside a zone), then bring it back to longitude and latitude.
    # CAST truncates, which is flooring for the non-negative (longitude + 180) / 6.
    centre = f"ST_Centroid({geom})"
    zone = f"min(60, CAST((ST_X({centre}) + 180) / 6 AS INTEGER) + 1)"
    srid = f"({zone} + CASE WHEN ST_Y({centre}) < 0 THEN 32700 ELSE 32600 END)"
    return f"ST_Transform(ST_Buffer(ST_Transform({geom}, {srid}), {metres}, {_BUFFER_QUADRANT_SEGMENTS}), {WGS84})"


# --------------------------------------------------------------------------- other coordinate systems
#
# Geometries are stored in EPSG:4326, longitude first. Both engines reproject with PROJ (ST_Transform), and give
# the same coordinates as pyproj; EPSG:4326 as the standard orders it (latitude first) swaps the axes.


class Transform(_Spatial):
    """The geometry in another coordinate system (an EPSG code)."""

    inherit_cache = True
    type = Geometry()
    name = "brk_transform"


class SwapAxes(_Spatial):
    """The geometry with X and Y exchanged (latitude first for EPSG:4326 as the standard orders it)."""

    inherit_cache = True
    type = Geometry()
    name = "brk_swap_axes"


class Envelope(_Spatial):
    """The rectangle (minx, miny, maxx, maxy) in a coordinate system (an EPSG code)."""

    inherit_cache = True
    type = Geometry("POLYGON")
    name = "brk_envelope"


class Densify(_Spatial):
    """The geometry with points added so that no segment is longer than a length (in its own units)."""

    inherit_cache = True
    type = Geometry()
    name = "brk_densify"


class WithinFrame(_IndexFilter):
    """The geometry's bounding box meets the bounding box of another geometry (a frame), index-assisted."""

    inherit_cache = True
    name = "brk_within_frame"


def transform(geom, srid: int) -> Transform:
    return Transform(geom, literal_column(str(int(srid))))


def swap_axes(geom) -> SwapAxes:
    return SwapAxes(geom)


def envelope(minx, miny, maxx, maxy, *, srid: int = WGS84) -> Envelope:
    return Envelope(minx, miny, maxx, maxy, literal_column(str(int(srid))))


def densify(geom, step) -> Densify:
    return Densify(geom, step)


def within_frame(column, frame) -> ColumnElement[bool]:
    """Rows whose geometry's box meets `frame`'s box (a geometry expression in EPSG:4326, evaluated once)."""
    return WithinFrame(column, frame)


@compiles(Transform)
def _transform(element, compiler, **kw):
    geom, srid = _args(element, compiler, **kw)
    return f"ST_Transform({geom}, {srid})"


@compiles(SwapAxes, "postgresql")
def _swap_pg(element, compiler, **kw):
    (geom,) = _args(element, compiler, **kw)
    return f"ST_FlipCoordinates({geom})"


@compiles(SwapAxes, "sqlite")
def _swap_sl(element, compiler, **kw):
    (geom,) = _args(element, compiler, **kw)
    return f"SwapCoordinates({geom})"


@compiles(Envelope, "postgresql")
def _envelope_pg(element, compiler, **kw):
    minx, miny, maxx, maxy, srid = _args(element, compiler, **kw)
    return f"ST_MakeEnvelope({minx}, {miny}, {maxx}, {maxy}, {srid})"


@compiles(Envelope, "sqlite")
def _envelope_sl(element, compiler, **kw):
    minx, miny, maxx, maxy, srid = _args(element, compiler, **kw)
    return f"BuildMbr({minx}, {miny}, {maxx}, {maxy}, {srid})"


@compiles(Densify)
def _densify(element, compiler, **kw):
    geom, step = _args(element, compiler, **kw)
    return f"ST_Segmentize({geom}, {step})"


@compiles(WithinFrame, "postgresql")
def _frame_pg(element, compiler, **kw):
    column, frame = _args(element, compiler, **kw)
    return f"({column} && {frame})"


@compiles(WithinFrame, "sqlite")
def _frame_sl(element, compiler, **kw):
    column = next(iter(element.clauses))
    _column, frame = _args(element, compiler, **kw)
    return _spatial_index_filter(column, compiler, frame, **kw)


# --------------------------------------------------------------------------- map layers
#
# The public map's GeoJSON is assembled by the database (json_agg on PostGIS, JSON1 on SpatiaLite):
# rows never become Python objects only to be serialised again.

_JSON_KEY = re.compile(r"^[a-z][a-z_]*$")


class FeatureArray(_Spatial):
    """Aggregate: a JSON array (text) of GeoJSON Features, ordered by `order`.

    Arguments: order, id, geom, the decimals of coordinates, then alternating property keys (`json_key`) and
    values.
    """

    inherit_cache = True
    type = String()
    name = "brk_feature_array"


class LonOf(_Spatial):
    """Longitude (X) of a point."""

    inherit_cache = True
    type = Float()
    name = "brk_lon"


class LatOf(_Spatial):
    """Latitude (Y) of a point."""

    inherit_cache = True
    type = Float()
    name = "brk_lat"


class GridCell(_Spatial):
    """Index of the grid column (of a longitude) or row (of a latitude): cells of `size` degrees from `origin`."""

    inherit_cache = True
    type = Integer()
    name = "brk_grid_cell"


class BoxEdge(_Spatial):
    """One edge of a geometry's bounding box: the least or greatest X or Y."""

    inherit_cache = True
    type = Float()
    name = "brk_box_edge"


class IsoUtc(_Spatial):
    """A stored UTC timestamp as ISO 8601 text, to the second, ending in Z."""

    inherit_cache = True
    type = String()
    name = "brk_iso_utc"


class ClockTime(_Spatial):
    """A time of day as HH:MM text."""

    inherit_cache = True
    type = String()
    name = "brk_clock_time"


class IntList(_Spatial):
    """A comma-separated list of integers ("1,3,5") as a JSON array value."""

    inherit_cache = True
    type = JSON()
    name = "brk_int_list"


class JsonValue(_Spatial):
    """A JSON value read back from a subquery, to nest as JSON (SpatiaLite's JSON1 forgets it was JSON)."""

    inherit_cache = True
    type = JSON()
    name = "brk_json_value"


def json_key(name: str):
    """A property name for `feature_array`: a literal in the SQL (part of the statement cache key)."""
    if not _JSON_KEY.match(name):
        raise ValueError(f"not a property name: {name!r}")
    return literal_column(f"'{name}'")


def feature_array(order, id_, geom, properties: dict, *, digits: int | None = None) -> FeatureArray:
    """The rows' GeoJSON Features as one JSON array text; `properties` maps names to column expressions.

    Coordinates keep `digits` decimals (6 by default, a tenth of a metre in degrees).
    """
    pairs = [
        part
        for key, value in properties.items()
        for part in (json_key(key), JsonValue(value) if isinstance(value.type, JSON) else value)
    ]
    digits = _GEOJSON_DIGITS if digits is None else int(digits)
    return FeatureArray(order, id_, geom, literal_column(str(digits)), *pairs)


def lon(column) -> LonOf:
    return LonOf(column)


def lat(column) -> LatOf:
    return LatOf(column)


def grid_cell(coordinate, origin, size) -> GridCell:
    """Cells of `size` degrees counted from `origin`, which is at or below every coordinate (so the same cell on
    both engines)."""
    return GridCell(coordinate, origin, size)


def box_edge(column, edge: str) -> BoxEdge:
    """`edge` is one of minx, miny, maxx, maxy."""
    if edge not in _EDGES:
        raise ValueError(f"not a box edge: {edge!r}")
    return BoxEdge(column, literal_column(f"'{edge}'"))


def iso_utc(column) -> IsoUtc:
    return IsoUtc(column)


def clock_time(column) -> ClockTime:
    return ClockTime(column)


def int_list(column) -> IntList:
    return IntList(column)


_EDGES = {
    "minx": ("ST_XMin", "MbrMinX"),
    "miny": ("ST_YMin", "MbrMinY"),
    "maxx": ("ST_XMax", "MbrMaxX"),
    "maxy": ("ST_YMax", "MbrMaxY"),
}
_GEOJSON_DIGITS = 6  # a tenth of a metre: more would only weigh on the wire


@compiles(FeatureArray, "postgresql")
def _feature_array_pg(element, compiler, **kw):
    order, id_, geom, digits, *pairs = _args(element, compiler, **kw)
    # Text spliced by hand: json_build_object costs three times as much per row (bench/gis_map.py).
    # Keys are checked names (json_key); every value goes through to_json, so it is valid JSON or null.
    properties = " || ',' || ".join(
        f"""'"{key.strip("'")}":' || coalesce(to_json({value})::text, 'null')"""
        for key, value in zip(pairs[::2], pairs[1::2], strict=True)
    )
    feature = (
        f"""'{{"type":"Feature","id":' || {id_} || ',"geometry":' """
        # Options 0: no "crs" member, which PostGIS adds by default to geometries not in EPSG:4326.
        f"""|| coalesce(ST_AsGeoJSON({geom}, {digits}, 0), 'null') """
        f"""|| ',"properties":{{' || {properties or "''"} || '}}}}'"""
    )
    return f"('[' || coalesce(string_agg({feature}, ',' ORDER BY {order}), '') || ']')"


@compiles(FeatureArray, "sqlite")
def _feature_array_sl(element, compiler, **kw):
    order, id_, geom, digits, *pairs = _args(element, compiler, **kw)
    properties = ", ".join(pairs)
    feature = (
        f"json_object('type', 'Feature', 'id', {id_}, "
        f"'geometry', json(AsGeoJSON({geom}, {digits})), "
        f"'properties', json_object({properties}))"
    )
    return f"coalesce(json_group_array({feature} ORDER BY {order}), '[]')"


@compiles(LonOf)
def _lon(element, compiler, **kw):
    (a,) = _args(element, compiler, **kw)
    return f"ST_X({a})"


@compiles(LatOf)
def _lat(element, compiler, **kw):
    (a,) = _args(element, compiler, **kw)
    return f"ST_Y({a})"


@compiles(GridCell, "postgresql")
def _grid_cell_pg(element, compiler, **kw):
    coordinate, origin, size = _args(element, compiler, **kw)
    return f"CAST(floor(({coordinate} - {origin}) / {size}) AS INTEGER)"


@compiles(GridCell, "sqlite")
def _grid_cell_sl(element, compiler, **kw):
    coordinate, origin, size = _args(element, compiler, **kw)
    # CAST truncates; coordinates are never below the origin, where truncating is flooring.
    return f"CAST(({coordinate} - {origin}) / {size} AS INTEGER)"


@compiles(BoxEdge, "postgresql")
def _box_edge_pg(element, compiler, **kw):
    column, edge = _args(element, compiler, **kw)
    return f"{_EDGES[edge.strip(chr(39))][0]}({column})"


@compiles(BoxEdge, "sqlite")
def _box_edge_sl(element, compiler, **kw):
    column, edge = _args(element, compiler, **kw)
    return f"{_EDGES[edge.strip(chr(39))][1]}({column})"


@compiles(IsoUtc, "postgresql")
def _iso_utc_pg(element, compiler, **kw):
    (a,) = _args(element, compiler, **kw)
    return f"""to_char({a} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""


@compiles(IsoUtc, "sqlite")
def _iso_utc_sl(element, compiler, **kw):
    (a,) = _args(element, compiler, **kw)
    # Stored as UTC wall-clock text (the engine keeps no offset).
    return f"strftime('%Y-%m-%dT%H:%M:%SZ', {a})"


@compiles(ClockTime, "postgresql")
def _clock_pg(element, compiler, **kw):
    (a,) = _args(element, compiler, **kw)
    return f"to_char({a}, 'HH24:MI')"


@compiles(ClockTime, "sqlite")
def _clock_sl(element, compiler, **kw):
    (a,) = _args(element, compiler, **kw)
    return f"substr({a}, 1, 5)"


@compiles(IntList, "postgresql")
def _int_list_pg(element, compiler, **kw):
    (a,) = _args(element, compiler, **kw)
    return f"array_to_json(string_to_array({a}, ',')::int[])"


@compiles(JsonValue, "postgresql")
def _json_value_pg(element, compiler, **kw):
    (a,) = _args(element, compiler, **kw)
    return a


@compiles(JsonValue, "sqlite")
def _json_value_sl(element, compiler, **kw):
    (a,) = _args(element, compiler, **kw)
    return f"json({a})"


@compiles(IntList, "sqlite")
def _int_list_sl(element, compiler, **kw):
    (a,) = _args(element, compiler, **kw)
    return f"json('[' || {a} || ']')"


# --------------------------------------------------------------------------- density clusters
#
# Points closer than a distance chain into one cluster (DBSCAN): PostGIS has ST_ClusterDBSCAN; SpatiaLite has no
# clustering, so there the same definition is written as SQL (neighbour pairs, core points, and a recursive walk
# from core to core; under a second for 2,500 points with five crowded places). Both work on the points projected
# to UTM zone 30N, where Berkane lies, so that the distance is in metres and compared the same way (Euclidean, at
# most `eps`) on both engines.

METRIC_SRID = 32630  # WGS 84 / UTM zone 30N: no datum shift, scale error under 0.05 % around Berkane


class DensityClusters(_Spatial):
    """Table (member, cluster) of the points of a source that belong to a dense cluster; noise is left out.

    Arguments: the source as a scalar subquery selecting `id` and `geom`, then eps (metres) and the least
    number of points within eps of a core point (itself included), both as literals. Cluster numbers are
    arbitrary but shared by the members of one cluster. A border point near two clusters joins one of them.
    """

    inherit_cache = True
    name = "brk_density_clusters"


def density_clusters(source, eps_m: float, min_points: int):
    """A FROM-clause element with columns `member` (the source's id) and `cluster`."""
    if eps_m <= 0 or min_points < 1:
        raise ValueError("eps must be positive and min_points at least 1")
    return DensityClusters(
        source.scalar_subquery(),
        literal_column(repr(float(eps_m))),
        literal_column(str(int(min_points))),
    ).table_valued("member", "cluster")


@compiles(DensityClusters, "postgresql")
def _density_clusters_pg(element, compiler, **kw):
    source, eps, min_points = _args(element, compiler, **kw)
    # eps and min_points are numbers rendered by density_clusters(); the source is a compiled subquery.
    return (
        "(SELECT member, cluster FROM (SELECT s.id AS member, "  # noqa: S608
        f"ST_ClusterDBSCAN(ST_Transform(s.geom, {METRIC_SRID}), {eps}, {min_points}) OVER () AS cluster "
        f"FROM {source} AS s WHERE s.geom IS NOT NULL) AS labelled WHERE cluster IS NOT NULL)"
    )


@compiles(DensityClusters, "sqlite")
def _density_clusters_sl(element, compiler, **kw):
    source, eps, min_points = _args(element, compiler, **kw)
    # Points are numbered west to east (`rank`) and each cluster is named by its westernmost core point: a walk
    # starts only from core points with no core neighbour further west and only ever steps east, so a cluster is
    # walked from a few points of its western edge, not from every one of its points. Pairs are found through
    # grid cells of eps (CAST truncates; cells stay at least eps wide, so neighbours are at most one cell apart).
    # MATERIALIZED: each step is computed once, not again wherever it is used.
    cell = f"CAST({{}} / {eps} AS INTEGER)"
    return (
        "(WITH RECURSIVE "  # noqa: S608 (numbers from density_clusters(), a compiled subquery)
        "projected(id, x, y) AS MATERIALIZED (SELECT s.id, "
        f"ST_X(ST_Transform(s.geom, {METRIC_SRID})), ST_Y(ST_Transform(s.geom, {METRIC_SRID})) "
        f"FROM {source} AS s WHERE s.geom IS NOT NULL), "
        "pts(id, rank, x, y, cx, cy) AS MATERIALIZED (SELECT id, row_number() OVER (ORDER BY x, id), x, y, "
        f"{cell.format('x')}, {cell.format('y')} FROM projected), "
        "offsets(dx, dy) AS (VALUES (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1)), "
        # Every pair within eps, each point with itself included (as ST_ClusterDBSCAN counts it).
        "near(a, b) AS MATERIALIZED (SELECT p.rank, q.rank FROM pts AS p CROSS JOIN offsets AS o "
        "JOIN pts AS q ON q.cx = p.cx + o.dx AND q.cy = p.cy + o.dy "
        f"AND (p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y) <= {eps} * {eps}), "
        f"core(id) AS MATERIALIZED (SELECT a FROM near GROUP BY a HAVING count(*) >= {min_points}), "
        "links(a, b) AS MATERIALIZED (SELECT near.a, near.b FROM near "
        "JOIN core AS ca ON ca.id = near.a JOIN core AS cb ON cb.id = near.b), "
        "seeds(id) AS MATERIALIZED (SELECT id FROM core "
        "WHERE NOT EXISTS (SELECT 1 FROM links WHERE links.a = core.id AND links.b < core.id)), "
        "reach(id, root) AS (SELECT id, id FROM seeds UNION "
        "SELECT links.b, reach.root FROM reach JOIN links ON links.a = reach.id WHERE links.b > reach.root), "
        "labelled(id, cluster) AS MATERIALIZED (SELECT id, min(root) FROM reach GROUP BY id), "
        # Border points: not core, but within eps of a core point.
        "members(id, cluster) AS (SELECT id, cluster FROM labelled UNION ALL "
        "SELECT near.b, min(labelled.cluster) FROM near JOIN labelled ON labelled.id = near.a "
        "WHERE near.b NOT IN (SELECT id FROM core) GROUP BY near.b) "
        "SELECT pts.id AS member, members.cluster FROM members JOIN pts ON pts.rank = members.id)"
    )
