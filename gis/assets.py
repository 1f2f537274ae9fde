"""Assets a citizen can report on (a street light, a waste container, a bus stop), found by reference code or by
nearness.

The layer names are the catalogue's asset layers. A bus stop's reference is the code on its sign (GTFS stop_code),
or its stop_id when it has none; a stop has no district of its own, so the district containing it is looked up.
"""

from dataclasses import dataclass

from geoalchemy2.shape import to_shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis import spatial
from gis.districts.queries import district_at
from gis.lighting.models import LightPoint
from gis.sanitation.models import WasteContainer
from gis.transport.models import Stop

# A report placed this close to an asset of its service's layer is about that asset.
SNAP_METRES = 50.0
CODE_MAX = 40

LAYERS: dict[str, type] = {"street_light": LightPoint, "waste_container": WasteContainer, "bus_stop": Stop}
# The reference of an asset, where it is not the model's `code` column.
_CODES = {"bus_stop": func.coalesce(Stop.code, Stop.stop_id)}
# Only stops and platforms (GTFS location_type 0) are where people wait for a bus.
_WHERE = {"bus_stop": (Stop.location_type == 0,)}


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


def _code(layer: str, model):
    return _CODES.get(layer, model.code)


def _asset(session: Session, layer: str, row, code: str, distance: float | None = None) -> Asset:
    shape = to_shape(row.geom)
    if hasattr(row, "district_id"):
        district_id = row.district_id
    else:
        district = district_at(session, shape.x, shape.y)
        district_id = district.id if district is not None else None
    return Asset(layer, row.id, code, shape.x, shape.y, district_id, distance)


def find(session: Session, layer: str, code: str) -> Asset | None:
    """The asset of `layer` whose reference is `code` (any case, spaces ignored)."""
    model = LAYERS.get(layer)
    wanted = normalise_code(code)
    if model is None or not wanted:
        return None
    reference = _code(layer, model)
    found = session.execute(
        select(model, reference)
        .where(func.upper(reference) == wanted, *_WHERE.get(layer, ()))
        .order_by(model.id)
        .limit(1)
    ).first()
    return _asset(session, layer, found[0], found[1]) if found is not None else None


def nearest(session: Session, layer: str, lon: float, lat: float, within_m: float = SNAP_METRES) -> Asset | None:
    """The asset of `layer` nearest to (lon, lat), if one stands within `within_m` metres (spatial index first)."""
    model = LAYERS.get(layer)
    if model is None:
        return None
    distance = spatial.distance_m(model.geom, lon, lat)
    found = session.execute(
        select(model, _code(layer, model), distance)
        .where(spatial.within_m(model.geom, lon, lat, within_m), *_WHERE.get(layer, ()))
        .order_by(distance, model.id)
        .limit(1)
    ).first()
    return _asset(session, layer, found[0], found[1], found[2]) if found is not None else None
