"""The one module that knows PostGIS from SpatiaLite.

Callers build dialect-neutral expressions (``within_bbox``, ``distance_m``, ...);
each is a SQL construct compiled here per dialect, so queries elsewhere never
branch on the database. Engine set-up and spatial metadata also live here.
"""

import math
import os
import sqlite3

from geoalchemy2 import Geometry, alembic_helpers
from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Boolean, Float

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
    return {"pool_pre_ping": True}


def configure_engine(engine: Engine) -> None:
    """Attach the per-connection set-up a backend needs (SpatiaLite, transactions)."""
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


# --------------------------------------------------------------------------- expressions


class _Spatial(FunctionElement):
    inherit_cache = True


class Point(_Spatial):
    """A WGS84 point from longitude and latitude."""

    inherit_cache = True
    type = Geometry("POINT", srid=WGS84)
    name = "brk_point"


class WithinBBox(_Spatial):
    """The geometry's bounding box intersects (minx, miny, maxx, maxy), index-assisted."""

    inherit_cache = True
    type = Boolean()
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


def intersects(a, b) -> ColumnElement[bool]:
    return Intersects(a, b)


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
        return f"MbrIntersects({rendered}, {frame})"
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
