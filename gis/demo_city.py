"""What the demo layers' generators share: districts as plain shapes, a flat metric plane, fast bulk writes.

The generators (`gis.lighting.demo`, `gis.sanitation.demo`) work in metres on a local plane centred on the
town and hand back plain values in WGS84, rounded to 1e-7° (about a centimetre) so that what they return
and what the database then holds are the same numbers.
"""

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from geoalchemy2.shape import to_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from gis import spatial
from gis.districts.demo import CENTRE_LAT, CENTRE_LON
from gis.districts.models import District

SEED = 2026
DIGITS = 7  # decimal places kept of a longitude or latitude
# Metres per degree at the town's latitude on the WGS84 ellipsoid (series expansion); off by well under
# a metre anywhere in a town a few kilometres across.
_PHI = math.radians(CENTRE_LAT)
M_PER_DEG_LAT = 111_132.954 - 559.822 * math.cos(2 * _PHI) + 1.175 * math.cos(4 * _PHI)
M_PER_DEG_LON = 111_412.84 * math.cos(_PHI) - 93.5 * math.cos(3 * _PHI)

Progress = Callable[[int], object]


class DemoLayerInUse(Exception):
    """Rows that are not demo data refer to demo rows that seeding would have to replace."""


@dataclass(frozen=True)
class Area:
    """A district as the generators see it: its row id, names, and shape in WGS84."""

    id: int
    code: str
    name_ar: str
    name_fr: str
    geometry: BaseGeometry


def areas(districts: Iterable[District]) -> list[Area]:
    """District rows as areas, in code order so that the generated layers do not depend on row order."""
    return [Area(d.id, d.code, d.name_ar, d.name_fr, to_shape(d.geom)) for d in sorted(districts, key=lambda d: d.code)]


def _to_metres(coords: np.ndarray) -> np.ndarray:
    return np.column_stack(((coords[:, 0] - CENTRE_LON) * M_PER_DEG_LON, (coords[:, 1] - CENTRE_LAT) * M_PER_DEG_LAT))


def _to_degrees(coords: np.ndarray) -> np.ndarray:
    return np.round(
        np.column_stack((coords[:, 0] / M_PER_DEG_LON + CENTRE_LON, coords[:, 1] / M_PER_DEG_LAT + CENTRE_LAT)),
        DIGITS,
    )


def to_metres(geometry: BaseGeometry) -> BaseGeometry:
    """A WGS84 geometry on the town's metric plane (x east, y north, from the centre)."""
    return shapely.transform(geometry, _to_metres)


def to_degrees(geometry: BaseGeometry) -> BaseGeometry:
    """A geometry of the metric plane back in WGS84, rounded to 1e-7°."""
    return shapely.transform(geometry, _to_degrees)


def lonlat(xy: np.ndarray) -> list[tuple[float, float]]:
    """Points of the metric plane (an n x 2 array) as rounded (lon, lat) pairs."""
    if len(xy) == 0:
        return []
    return [(float(lon), float(lat)) for lon, lat in _to_degrees(np.asarray(xy, dtype=float))]


def metres(points: Sequence[tuple[float, float]]) -> np.ndarray:
    """(lon, lat) pairs on the metric plane, as an n x 2 array."""
    return _to_metres(np.asarray(points, dtype=float).reshape(-1, 2))


def line_ewkt(coords: Sequence[tuple[float, float]]) -> str:
    return "SRID=4326;LINESTRING(" + ",".join(f"{x:.{DIGITS}f} {y:.{DIGITS}f}" for x, y in coords) + ")"


def bulk_insert(
    session: Session,
    table: Table,
    rows: Sequence[dict],
    *,
    points: bool = False,
    chunk: int = 5000,
    progress: Progress | None = None,
) -> None:
    """Insert plain rows in bulk, chunk by chunk, reporting rows written (see `spatial.bulk_insert`)."""
    for start in range(0, len(rows), chunk):
        batch = rows[start : start + chunk]
        spatial.bulk_insert(session.connection(), table, batch, points=points)
        if progress is not None:
            progress(len(batch))


def stands_as_generated(session: Session, model, expected: dict[str, tuple[float, float]]) -> bool:
    """Whether the demo rows of `model` with these codes stand where the generator put them (first vertex,
    to a millimetre or so)."""
    found = {
        code: to_shape(geom).coords[0]
        for code, geom in session.execute(
            select(model.code, model.geom).where(model.is_demo.is_(True), model.code.in_(list(expected)))
        )
    }
    if expected.keys() != found.keys():
        return False
    return all(
        abs(found[code][0] - lon) <= 1e-8 and abs(found[code][1] - lat) <= 1e-8 for code, (lon, lat) in expected.items()
    )


def sample(items: Sequence, count: int = 40) -> list:
    """Up to `count` items spread evenly over the sequence, first and last included."""
    if len(items) <= count:
        return list(items)
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]
