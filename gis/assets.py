"""Assets a citizen can report on (a street light, a waste container), found by reference code or by nearness.

The layer names are the catalogue's asset layers; a service whose layer is not here yet (bus stops, until the
transport layer exists) simply keeps the clicked point.
"""

from dataclasses import dataclass

from geoalchemy2.shape import to_shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis import spatial
from gis.lighting.models import LightPoint
from gis.sanitation.models import WasteContainer

# A report placed this close to an asset of its service's layer is about that asset.
SNAP_METRES = 50.0
CODE_MAX = 40

LAYERS: dict[str, type] = {"street_light": LightPoint, "waste_container": WasteContainer}


@dataclass(frozen=True)
class Asset:
    layer: str
    id: int
    code: str
    lon: float
    lat: float
    district_id: int | None
    distance_m: float | None = None  # from the point it was looked up from


def normalise_code(code: str) -> str:
    """Codes are printed on poles and bins in capitals; people type them any way."""
    return "".join((code or "").split()).upper()[:CODE_MAX]


def _asset(layer: str, row, distance: float | None = None) -> Asset:
    shape = to_shape(row.geom)
    return Asset(layer, row.id, row.code, shape.x, shape.y, row.district_id, distance)


def find(session: Session, layer: str, code: str) -> Asset | None:
    """The asset of `layer` whose reference is `code` (any case, spaces ignored)."""
    model = LAYERS.get(layer)
    wanted = normalise_code(code)
    if model is None or not wanted:
        return None
    row = session.scalar(select(model).where(func.upper(model.code) == wanted))
    return _asset(layer, row) if row is not None else None


def nearest(session: Session, layer: str, lon: float, lat: float, within_m: float = SNAP_METRES) -> Asset | None:
    """The asset of `layer` nearest to (lon, lat), if one stands within `within_m` metres (spatial index first)."""
    model = LAYERS.get(layer)
    if model is None:
        return None
    distance = spatial.distance_m(model.geom, lon, lat)
    found = session.execute(
        select(model, distance)
        .where(spatial.within_m(model.geom, lon, lat, within_m))
        .order_by(distance, model.id)
        .limit(1)
    ).first()
    return _asset(layer, found[0], found[1]) if found is not None else None
