"""Hotspots: places where reported points crowd together, found by the database (density clustering).

The points come from a caller's query, so gis/ needs to know nothing of what was reported: the source selects
`id`, `geom` (a WGS84 point) and `at` (when it was reported).
"""

from dataclasses import dataclass
from datetime import datetime

from geoalchemy2 import functions as geo
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from gis import spatial
from services.db import as_utc
from services.errors import Invalid

DEFAULT_RADIUS_M = 50
DEFAULT_MIN_POINTS = 3
MAX_RADIUS_M = 1000
MAX_MIN_POINTS = 100


@dataclass(frozen=True)
class Hotspot:
    """A cluster of reported points: how many, their centre, and the latest of them."""

    count: int
    lon: float
    lat: float
    latest_id: int
    latest_at: datetime


def check_parameters(radius_m: float, min_points: int) -> None:
    if not 0 < radius_m <= MAX_RADIUS_M:
        raise Invalid("hotspot_radius_invalid", field="radius", max=MAX_RADIUS_M)
    if not 2 <= min_points <= MAX_MIN_POINTS:
        raise Invalid("hotspot_min_reports_invalid", field="min_reports", max=MAX_MIN_POINTS)


def hotspots(
    session: Session, source: Select, *, radius_m: float = DEFAULT_RADIUS_M, min_points: int = DEFAULT_MIN_POINTS
) -> list[Hotspot]:
    """Clusters of at least `min_points` points each within `radius_m` of the next, the largest first."""
    check_parameters(radius_m, min_points)
    # Read once: the clustering and the figures of each cluster both use the points.
    points = source.cte("points")
    labels = spatial.density_clusters(select(points.c.id, points.c.geom), radius_m, min_points).alias("labels")
    cluster = {"partition_by": labels.c.cluster}
    ranked = (
        select(
            points.c.id,
            points.c.at,
            func.count().over(**cluster).label("count"),
            func.avg(geo.ST_X(points.c.geom)).over(**cluster).label("lon"),
            func.avg(geo.ST_Y(points.c.geom)).over(**cluster).label("lat"),
            func.row_number().over(**cluster, order_by=(points.c.at.desc(), points.c.id.desc())).label("rank"),
        )
        .join(labels, labels.c.member == points.c.id)
        .subquery("ranked")
    )
    rows = session.execute(
        select(ranked.c["count"], ranked.c.lon, ranked.c.lat, ranked.c.id, ranked.c.at)
        .where(ranked.c.rank == 1)
        .order_by(ranked.c["count"].desc(), ranked.c.at.desc(), ranked.c.id)
    ).all()
    return [Hotspot(count, lon, lat, id_, as_utc(at)) for count, lon, lat, id_, at in rows]
