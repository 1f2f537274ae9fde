"""A reproducible synthetic Berkane: district polygons around the real centre.

The shapes are Voronoi cells of fixed seed points clipped to an ellipse that
roughly covers the town; names are common Moroccan neighbourhood names. It is
demo data, flagged as such in the database and on every page that shows it.
"""

import random
from dataclasses import dataclass

import shapely
from shapely.affinity import scale
from shapely.geometry import MultiPoint, Point

CENTRE_LON, CENTRE_LAT = -2.3200, 34.9200
# Half-axes of the town ellipse, in degrees (about 3.2 km east-west, 2.6 km north-south).
_HALF_LON, _HALF_LAT = 0.035, 0.0235

DEMO_DISTRICTS = [
    ("centre", "وسط المدينة", "Centre-ville"),
    ("al-qods", "حي القدس", "Al Qods"),
    ("al-andalous", "حي الأندلس", "Al Andalous"),
    ("al-massira", "حي المسيرة", "Al Massira"),
    ("al-amal", "حي الأمل", "Al Amal"),
    ("al-wahda", "حي الوحدة", "Al Wahda"),
    ("ennahda", "حي النهضة", "Ennahda"),
    ("essalam", "حي السلام", "Essalam"),
    ("al-fath", "حي الفتح", "Al Fath"),
    ("al-manar", "حي المنار", "Al Manar"),
]


@dataclass(frozen=True)
class DemoDistrict:
    code: str
    name_ar: str
    name_fr: str
    population: int
    geometry: shapely.Polygon


def generate(seed: int = 2026, count: int = len(DEMO_DISTRICTS)) -> list[DemoDistrict]:
    """The same districts for the same seed: cells tile the town without overlaps."""
    rng = random.Random(seed)
    town = scale(Point(CENTRE_LON, CENTRE_LAT).buffer(1.0, quad_segs=32), _HALF_LON, _HALF_LAT)
    seeds = [Point(CENTRE_LON, CENTRE_LAT)]
    while len(seeds) < count:
        candidate = Point(
            CENTRE_LON + rng.uniform(-_HALF_LON, _HALF_LON) * 0.85,
            CENTRE_LAT + rng.uniform(-_HALF_LAT, _HALF_LAT) * 0.85,
        )
        if town.contains(candidate) and all(candidate.distance(s) > 0.008 for s in seeds):
            seeds.append(candidate)
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=town.envelope.buffer(0.05))
    districts = []
    for (code, name_ar, name_fr), seed_point in zip(DEMO_DISTRICTS, seeds, strict=False):
        cell = next(c for c in cells.geoms if c.contains(seed_point))
        shape = shapely.set_precision(cell.intersection(town), 1e-7)
        population = rng.randint(6_000, 18_000)
        districts.append(DemoDistrict(f"demo-{code}", name_ar, name_fr, population, shape))
    return districts
