"""The map's layers: features by bounding box and page, as GeoJSON built by the database, and grid clusters.

A `Layer` names a table's id, geometry and public properties; `feature_page` and `clusters` work on any layer,
so the public-requests layer (defined in services/) is served by the same code as the street lights.
Each layer's statements are built once and reused with new parameters: building them anew costs about as much
as the database takes to answer a box of 1,000 lights (bench/gis_map.py).
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, Select, bindparam, case, func, select
from sqlalchemy.orm import Session

from gis import spatial
from gis.districts.models import District
from gis.lighting.models import Cabinet, LightPoint, LightStatus, Street
from gis.sanitation.models import CollectionRoute, CollectionZone, WasteContainer
from gis.transport.models import Route, Stop
from services.errors import Invalid, NotFound

MAX_LIMIT = 5000
DEFAULT_LIMIT = 1000
MAX_ZOOM = 22
MAX_OFFSET = 10**9
# A cluster cell is about this many screen pixels wide at the zoom it is asked for (256-pixel tiles).
CELL_PIXELS = 64
# A container this full counts as full in its cluster.
FULL_PERCENT = 80


@dataclass(frozen=True)
class BBox:
    minx: float
    miny: float
    maxx: float
    maxy: float

    def __iter__(self):
        return iter((self.minx, self.miny, self.maxx, self.maxy))


@dataclass(frozen=True, eq=False)
class Layer:
    """What a layer publishes: its rows (`where`), their public properties, and what its clusters count.

    Values that change between queries (a cut-off date) are bound parameters with a callable, since the
    statements are built once.
    """

    name: str
    shape: str  # point | line | polygon
    id: Any
    geom: Any
    properties: Mapping[str, ColumnElement]
    where: tuple[ColumnElement, ...] = ()
    # Extra joins for the properties, as (target, on clause) pairs.
    joins: tuple[tuple[Any, ColumnElement], ...] = ()
    # Counts per cluster beyond the total, e.g. the faulty lights among them: name -> boolean expression.
    cluster_counts: Mapping[str, ColumnElement] = field(default_factory=dict)
    # Below this zoom the map asks for clusters rather than features (point layers only).
    min_feature_zoom: int = 0
    # The stored time that OGC API's `datetime` selects on, and the property that publishes it.
    temporal: tuple[str, ColumnElement] | None = None
    # Properties that features may be selected by (name=value): plain columns among `properties`.
    queryables: tuple[str, ...] = ()

    def __post_init__(self):
        published = set(self.properties)
        if not set(self.queryables) <= published or (self.temporal and self.temporal[0] not in published):
            raise ValueError(f"layer {self.name}: queryables and the time must be among its properties")

    @property
    def clusterable(self) -> bool:
        return self.shape == "point"

    def source(self, *columns) -> Select:
        query = select(*columns).select_from(self.id.class_)
        for target, on in self.joins:
            query = query.join(target, on)
        return query.where(*self.where)


@dataclass(frozen=True)
class FeaturePage:
    """One page of a layer's features: `features` is a JSON array (text) of GeoJSON Features."""

    features: str
    matched: int
    returned: int
    limit: int
    offset: int

    @property
    def has_next(self) -> bool:
        return self.offset + self.returned < self.matched

    @property
    def has_prev(self) -> bool:
        return self.offset > 0


@dataclass(frozen=True)
class Cluster:
    lon: float
    lat: float
    count: int
    bounds: BBox  # its grid cell
    counts: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- parameters


def parse_bbox(text: str | None) -> BBox | None:
    """`minx,miny,maxx,maxy` in WGS84 degrees (GeoJSON's order), or None when absent."""
    if text is None or not text.strip():
        return None
    try:
        values = [float(p) for p in text.split(",")]
    except ValueError:
        raise Invalid("bbox_invalid", field="bbox") from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise Invalid("bbox_invalid", field="bbox")
    box = BBox(*values)
    if not (-180 <= box.minx < box.maxx <= 180 and -90 <= box.miny < box.maxy <= 90):
        raise Invalid("bbox_invalid", field="bbox")
    return box


def _whole_number(text: str | None, default: int, low: int, high: int, error: Invalid) -> int:
    if text is None or text == "":
        return default
    # isdigit() also accepts digits of other scripts, which int() reads: only ASCII digits here.
    if not (text.isascii() and text.isdigit() and len(text) <= 10) or not low <= int(text) <= high:
        raise error
    return int(text)


def parse_limit(text: str | None) -> int:
    return _whole_number(text, DEFAULT_LIMIT, 1, MAX_LIMIT, Invalid("limit_invalid", field="limit", max=MAX_LIMIT))


def parse_offset(text: str | None) -> int:
    return _whole_number(text, 0, 0, MAX_OFFSET, Invalid("offset_invalid", field="offset"))


def parse_zoom(text: str | None) -> int:
    error = Invalid("zoom_invalid", field="zoom", max=MAX_ZOOM)
    if text is None or text == "":
        raise error
    return _whole_number(text, 0, 0, MAX_ZOOM, error)


def cell_degrees(zoom: int) -> float:
    """The width in degrees of a cluster cell at `zoom` (CELL_PIXELS of a 256-pixel Web Mercator tile)."""
    return 360.0 / (2**zoom) * CELL_PIXELS / 256


def tile_bbox(z: int, x: int, y: int) -> BBox:
    """The WGS84 box of Web Mercator tile z/x/y (the numbering of every slippy map); Invalid when it does not exist."""
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        raise Invalid("tile_invalid", field="tile", max=MAX_ZOOM)
    n = 2**z

    def latitude(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return BBox(x / n * 360 - 180, latitude(y + 1), (x + 1) / n * 360 - 180, latitude(y))


# --------------------------------------------------------------------------- statements

_BOX_NAMES = ("minx", "miny", "maxx", "maxy")
_statements: dict[tuple[str, str, bool], Select] = {}


def _box_filter(layer: Layer) -> ColumnElement[bool]:
    return spatial.within_bbox(layer.geom, *(bindparam(name, type_=Float) for name in _BOX_NAMES))


def _box_params(bbox: BBox | None) -> dict[str, float]:
    return dict(zip(_BOX_NAMES, bbox, strict=True)) if bbox else {}


def _cached(layer: Layer, kind: str, with_bbox: bool, build) -> Select:
    key = (layer.name, kind, with_bbox)
    if key not in _statements:
        _statements[key] = build(layer, [_box_filter(layer)] if with_bbox else [])
    return _statements[key]


def _build_features(layer: Layer, where: list) -> Select:
    labels = {name: f"p_{name}" for name in layer.properties}
    page = (
        layer.source(
            layer.id.label("f_id"),
            layer.geom.label("f_geom"),
            func.count().over().label("f_matched"),
            *(column.label(labels[name]) for name, column in layer.properties.items()),
        )
        .where(*where)
        .order_by(layer.id)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("page")
    )
    features = spatial.feature_array(
        page.c.f_id, page.c.f_id, page.c.f_geom, {name: page.c[label] for name, label in labels.items()}
    )
    return select(func.max(page.c.f_matched), func.count(), features).select_from(page)


def _build_count(layer: Layer, where: list) -> Select:
    return layer.source(func.count()).where(*where)


def _build_clusters(layer: Layer, where: list) -> Select:
    points = layer.source(
        spatial.lon(layer.geom).label("x"),
        spatial.lat(layer.geom).label("y"),
        *(case((condition, 1), else_=0).label(f"c_{n}") for n, condition in enumerate(layer.cluster_counts.values())),
    ).where(*where)
    # OFFSET 0 keeps the planner from inlining the subquery, which would compute each coordinate three times.
    points = points.offset(0).subquery("points")
    cx = spatial.grid_cell(points.c.x, bindparam("origin_x", type_=Float), bindparam("cell_w", type_=Float))
    cy = spatial.grid_cell(points.c.y, bindparam("origin_y", type_=Float), bindparam("cell_h", type_=Float))
    sums = (func.sum(points.c[f"c_{n}"]) for n in range(len(layer.cluster_counts)))
    return select(cx, cy, func.count(), func.avg(points.c.x), func.avg(points.c.y), *sums).group_by(cx, cy)


def feature_statement(layer: Layer, bbox: BBox | None = None) -> Select:
    """The page statement: (features matched, features returned, the Features as a JSON array text).

    Parameters: limit, offset, and minx..maxy with a box. The match count is a window over the rows the page is
    cut from, so the index is read once; it is null when the page is empty (an offset past the end).
    """
    return _cached(layer, "features", bbox is not None, _build_features)


def feature_params(bbox: BBox | None, limit: int, offset: int) -> dict:
    return {**_box_params(bbox), "limit": limit, "offset": offset}


# --------------------------------------------------------------------------- queries


def feature_page(
    session: Session, layer: Layer, bbox: BBox | None = None, *, limit: int = DEFAULT_LIMIT, offset: int = 0
) -> FeaturePage:
    """Features of `layer` whose bounding box meets `bbox`, in id order, one page, and how many match in all."""
    connection = session.connection()
    matched, returned, features = connection.execute(
        feature_statement(layer, bbox), feature_params(bbox, limit, offset)
    ).one()
    if matched is None:
        matched = connection.scalar(_cached(layer, "count", bbox is not None, _build_count), _box_params(bbox))
    return FeaturePage(features=features, matched=matched, returned=returned, limit=limit, offset=offset)


def clusters(session: Session, layer: Layer, bbox: BBox | None, zoom: int) -> list[Cluster]:
    """The layer's points in `bbox` counted per grid cell about CELL_PIXELS wide on screen at `zoom`.

    The grid starts at the box's south-west corner, its cells as tall on screen as they are wide.
    """
    width = cell_degrees(zoom)
    if bbox is None:
        return _grid_clusters(session, layer, None, BBox(-180, -90, 180, 90), width, width)
    height = width * math.cos(math.radians((bbox.miny + bbox.maxy) / 2))
    return _grid_clusters(session, layer, bbox, bbox, width, height)


def tile_clusters(session: Session, layer: Layer, z: int, x: int, y: int) -> list[Cluster]:
    """The layer's points in map tile z/x/y counted per cell of a grid of CELL_PIXELS (4 x 4 cells)."""
    box = tile_bbox(z, x, y)
    per_side = 256 // CELL_PIXELS
    return _grid_clusters(session, layer, box, box, (box.maxx - box.minx) / per_side, (box.maxy - box.miny) / per_side)


def _grid_clusters(
    session: Session, layer: Layer, bbox: BBox | None, grid: BBox, width: float, height: float
) -> list[Cluster]:
    """Count the points per cell of `width` x `height` degrees from `grid`'s south-west corner; each cluster sits
    at its points' mean position."""
    if not layer.clusterable:
        raise Invalid("layer_not_clusterable", field="layer")
    statement = _cached(layer, "clusters", bbox is not None, _build_clusters)
    params = {**_box_params(bbox), "origin_x": grid.minx, "origin_y": grid.miny, "cell_w": width, "cell_h": height}
    found = []
    for col, row, count, mean_x, mean_y, *sums in session.connection().execute(statement, params):
        cell = BBox(
            max(grid.minx, grid.minx + col * width),
            max(grid.miny, grid.miny + row * height),
            min(grid.maxx, grid.minx + (col + 1) * width),
            min(grid.maxy, grid.miny + (row + 1) * height),
        )
        counts = {name: int(value or 0) for name, value in zip(layer.cluster_counts, sums, strict=True)}
        found.append(Cluster(lon=float(mean_x), lat=float(mean_y), count=count, bounds=cell, counts=counts))
    found.sort(key=lambda c: (c.bounds.miny, c.bounds.minx))
    return found


def extent(session: Session, layer: Layer) -> BBox | None:
    """The bounding box of the whole layer, or None when it is empty."""
    edges = (("min", "minx"), ("min", "miny"), ("max", "maxx"), ("max", "maxy"))
    row = session.execute(
        layer.source(*(getattr(func, agg)(spatial.box_edge(layer.geom, edge)) for agg, edge in edges))
    ).one()
    return BBox(*row) if row[0] is not None else None


# --------------------------------------------------------------------------- the asset layers


def _names(model) -> dict[str, ColumnElement]:
    return {"code": model.code, "name_ar": model.name_ar, "name_fr": model.name_fr}


DISTRICTS = Layer(
    name="districts",
    shape="polygon",
    id=District.id,
    geom=District.geom,
    properties={**_names(District), "population": District.population},
    queryables=("code",),
)

STREETS = Layer(
    name="streets", shape="line", id=Street.id, geom=Street.geom, properties=_names(Street), queryables=("code",)
)

LIGHTS = Layer(
    name="lights",
    shape="point",
    id=LightPoint.id,
    geom=LightPoint.geom,
    properties={
        "code": LightPoint.code,
        "technology": LightPoint.technology,
        "power_w": LightPoint.power_w,
        "status": LightPoint.status,
    },
    cluster_counts={"faulty": LightPoint.status != LightStatus.WORKING.value},
    min_feature_zoom=17,
    queryables=("code", "technology", "power_w", "status"),
)

CABINETS = Layer(
    name="cabinets",
    shape="point",
    id=Cabinet.id,
    geom=Cabinet.geom,
    properties={
        "code": Cabinet.code,
        # The district's code, or null.
        "district": select(District.code).where(District.id == Cabinet.district_id).scalar_subquery(),
        # Steps {"start": "HH:MM", "end": "HH:MM", "level": 0..1} in local time; none when it never dims.
        "dimming": Cabinet.dimming,
    },
    queryables=("code",),
)

CONTAINERS = Layer(
    name="containers",
    shape="point",
    id=WasteContainer.id,
    geom=WasteContainer.geom,
    properties={
        "code": WasteContainer.code,
        "kind": WasteContainer.kind,
        "capacity_l": WasteContainer.capacity_l,
        "fill_level": WasteContainer.fill_level,
        "fill_read_at": spatial.iso_utc(WasteContainer.fill_read_at),
    },
    cluster_counts={"full": WasteContainer.fill_level >= FULL_PERCENT},
    min_feature_zoom=16,
    temporal=("fill_read_at", WasteContainer.fill_read_at),
    queryables=("code", "kind", "capacity_l"),
)

ZONES = Layer(
    name="collection-zones",
    shape="polygon",
    id=CollectionZone.id,
    geom=CollectionZone.geom,
    properties={
        **_names(CollectionZone),
        "contractor": CollectionZone.contractor,
        "days": spatial.int_list(CollectionZone.days),
        "start": spatial.clock_time(CollectionZone.start_time),
        "end": spatial.clock_time(CollectionZone.end_time),
    },
    queryables=("code", "contractor"),
)

ROUTES = Layer(
    name="collection-routes",
    shape="line",
    id=CollectionRoute.id,
    geom=CollectionRoute.geom,
    properties={
        **_names(CollectionRoute),
        # The zone's code, or null: a route outside any zone still shows.
        "zone": select(CollectionZone.code).where(CollectionZone.id == CollectionRoute.zone_id).scalar_subquery(),
    },
    queryables=("code",),
)

# Urban transport: the stops where buses stop (not stations or entrances), and each bus route's line.
STOPS = Layer(
    name="stops",
    shape="point",
    id=Stop.id,
    geom=Stop.geom,
    properties={
        "stop_id": Stop.stop_id,
        "code": Stop.code,
        "name": Stop.name,
        "name_ar": Stop.name_ar,
        "name_fr": Stop.name_fr,
        "wheelchair_boarding": Stop.wheelchair_boarding,
    },
    where=(Stop.location_type == 0,),
    min_feature_zoom=15,
    queryables=("stop_id", "code", "wheelchair_boarding"),
)

BUS_ROUTES = Layer(
    name="bus-routes",
    shape="line",
    id=Route.id,
    geom=Route.geom,
    properties={
        "route_id": Route.route_id,
        "short_name": Route.short_name,
        "long_name": Route.long_name,
        "long_name_ar": Route.long_name_ar,
        "long_name_fr": Route.long_name_fr,
        "route_type": Route.route_type,
        "color": Route.color,
        "text_color": Route.text_color,
    },
    where=(Route.geom.is_not(None),),
    queryables=("route_id", "short_name", "route_type"),
)

LAYERS: dict[str, Layer] = {
    layer.name: layer for layer in (DISTRICTS, STREETS, LIGHTS, CABINETS, CONTAINERS, ZONES, ROUTES, STOPS, BUS_ROUTES)
}


def get_layer(name: str, extra: Mapping[str, Layer] | None = None) -> Layer:
    """The layer called `name`, among the asset layers and `extra` ones; NotFound otherwise."""
    layer = LAYERS.get(name) or (extra or {}).get(name)
    if layer is None:
        raise NotFound("layer_unknown")
    return layer
