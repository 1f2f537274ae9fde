"""Queries over districts; spatial work stays in the database."""

from collections.abc import Sequence
from dataclasses import dataclass

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis import spatial
from gis.districts.models import District
from services.errors import Invalid


@dataclass(frozen=True)
class DistrictSummary:
    district: District
    area_km2: float

    @property
    def density_per_km2(self) -> float:
        return self.district.population / self.area_km2 if self.area_km2 else 0.0


def district_at(session: Session, lon: float, lat: float) -> District | None:
    """The district containing the point, if any."""
    return session.scalar(
        select(District).where(spatial.contains_point(District.geom, lon, lat)).order_by(District.id).limit(1)
    )


def districts_at(session: Session, points: Sequence[tuple[float, float]]) -> list[District | None]:
    """The district containing each (lon, lat) point, None outside every district, in one or a few queries."""
    found: dict[int, District] = {}
    for spots in spatial.point_rows(session, points):
        for n, district in session.execute(
            select(spots.c.n, District)
            .join(District, spatial.Contains(District.geom, spatial.Point(spots.c.lon, spots.c.lat)))
            .order_by(spots.c.n, District.id)
        ):
            found.setdefault(n, district)
    return [found.get(n) for n in range(len(points))]


def list_districts(session: Session) -> list[District]:
    return list(session.scalars(select(District).order_by(District.name_fr)))


def district_summaries(session: Session) -> list[DistrictSummary]:
    """Each district with its geodesic area, computed by the database."""
    rows = session.execute(select(District, spatial.area_m2(District.geom)).order_by(District.name_fr)).all()
    return [DistrictSummary(district, (area or 0.0) / 1e6) for district, area in rows]


def _as_multipolygon(geometry: BaseGeometry) -> MultiPolygon:
    if isinstance(geometry, Polygon):
        geometry = MultiPolygon([geometry])
    if not isinstance(geometry, MultiPolygon) or geometry.is_empty or not geometry.is_valid:
        raise Invalid("district_geometry_invalid", field="geom")
    return geometry


def save_district(
    session: Session,
    *,
    code: str,
    name_ar: str,
    name_fr: str,
    population: int,
    geometry: BaseGeometry,
    is_demo: bool = False,
) -> District:
    """Create or update (by code) a district."""
    if population < 0:
        raise Invalid("population_negative", field="population")
    district = session.scalar(select(District).where(District.code == code)) or District(code=code)
    district.name_ar, district.name_fr = name_ar, name_fr
    district.population, district.is_demo = population, is_demo
    district.geom = from_shape(_as_multipolygon(geometry), srid=spatial.WGS84)
    session.add(district)
    session.flush()
    return district
