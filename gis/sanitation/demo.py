"""Reproducible synthetic sanitation layers for the demo Berkane: containers, collection zones, routes, a depot.

Containers stand along the demo streets (more where streets are longer), about half with a fill sensor
read within the last day. The district holding the town centre is a zone of its own, collected every
evening; the others are paired with a neighbour into zones collected three mornings a week. Each zone's
route runs through its containers, band by band, and stays inside the zone; the trucks' depot stands near
the edge of town. Contractors' names are made up. Every row is flagged `is_demo`; the same seed, count,
districts and streets give the same layers.
"""

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gis import demo_city
from gis.demo_city import SEED, Area, DemoLayerInUse, Progress
from gis.districts.demo import CENTRE_LAT, CENTRE_LON
from gis.districts.models import District
from gis.lighting.demo import DemoStreet
from gis.sanitation.models import CollectionRoute, CollectionZone, ContainerKind, Depot, WasteContainer
from services.db import utcnow

DEFAULT_CONTAINERS = 800
MAX_CONTAINERS = 200_000

KINDS = [
    (ContainerKind.HOUSEHOLD, 60),
    (ContainerKind.RECYCLING, 20),
    (ContainerKind.GLASS, 10),
    (ContainerKind.GREEN, 10),
]
CAPACITY_L = {
    ContainerKind.HOUSEHOLD: [(240, 15), (660, 30), (1100, 45), (5000, 10)],  # 5000 L: an underground container
    ContainerKind.RECYCLING: [(660, 40), (1100, 60)],
    ContainerKind.GLASS: [(1100, 70), (5000, 30)],
    ContainerKind.GREEN: [(240, 30), (660, 40), (1100, 30)],
}
SENSOR_SHARE = 0.5
KERB_M = 3.0  # from the street's centre line to the container
END_M = 5.0  # none right at a street's end
DEPOT_RING = 0.9  # where the depot stands, as a fraction of the way from the centre to the town's edge

CONTRACTORS = ["Oriental Propreté SARL", "Moulouya Environnement SA", "Triffa Services Urbains SARL"]
DAYS = ["1,3,5", "2,4,6"]
DAILY = "1,2,3,4,5,6,7"
MORNING = (time(5, 0), time(11, 0))
EVENING = (time(20, 0), time(23, 30))


@dataclass(frozen=True)
class DemoContainer:
    code: str
    kind: str
    capacity_l: int
    fill_level: int | None
    fill_read_at: datetime | None
    district_id: int
    lon: float
    lat: float


@dataclass(frozen=True)
class DemoZone:
    code: str
    name_ar: str
    name_fr: str
    contractor: str
    days: str
    start_time: time
    end_time: time
    district_ids: tuple[int, ...]
    wkt: str  # a MULTIPOLYGON, coordinates rounded to 1e-7°


@dataclass(frozen=True)
class DemoRoute:
    code: str
    name_ar: str
    name_fr: str
    zone_code: str
    coords: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class DemoDepot:
    code: str
    name_ar: str
    name_fr: str
    lon: float
    lat: float


@dataclass(frozen=True)
class DemoSanitation:
    containers: tuple[DemoContainer, ...]
    zones: tuple[DemoZone, ...]
    routes: tuple[DemoRoute, ...]
    depots: tuple[DemoDepot, ...]


def _weighted(rng: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def _containers(
    rng: random.Random, areas: Sequence[Area], streets: Sequence[DemoStreet], count: int, now: datetime
) -> tuple[list[DemoContainer], list[int]]:
    """Containers spread along the streets in proportion to their length, and the street of each."""
    lines = [LineString(demo_city.metres(s.coords)) for s in streets]
    usable = [i for i, line in enumerate(lines) if line.length > 2 * END_M]
    if count and not usable:
        raise ValueError("no street to put demo containers along")
    order = {a.id: n for n, a in enumerate(areas)}
    cumulative = np.cumsum([lines[i].length - 2 * END_M for i in usable])
    spots = []
    for _ in range(count):
        k = min(int(np.searchsorted(cumulative, rng.uniform(0, cumulative[-1]))), len(usable) - 1)
        i = usable[k]
        spots.append(
            (order[streets[i].district_id], i, rng.uniform(END_M, lines[i].length - END_M), rng.choice((-1, 1)))
        )
    spots.sort()  # codes run district by district, along each street
    if not spots:
        return [], []
    geoms = np.asarray([lines[i] for _a, i, _d, _s in spots], dtype=object)
    along = np.asarray([d for _a, _i, d, _s in spots])
    at = shapely.get_coordinates(shapely.line_interpolate_point(geoms, along))
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(geoms, along + 0.5))
    tangent = ahead - at
    normal = np.column_stack((-tangent[:, 1], tangent[:, 0])) / np.hypot(*tangent.T).reshape(-1, 1)
    sides = np.asarray([s for _a, _i, _d, s in spots], dtype=float).reshape(-1, 1)
    places = demo_city.lonlat(at + sides * KERB_M * normal)
    found = []
    for n, ((_a, i, _d, _s), (lon, lat)) in enumerate(zip(spots, places, strict=True), start=1):
        kind = _weighted(rng, KINDS)
        capacity = _weighted(rng, CAPACITY_L[kind])
        level = read = None
        if rng.random() < SENSOR_SHARE:
            level = min(100, max(0, round(rng.triangular(0, 110, 45))))
            read = (now - timedelta(seconds=rng.randrange(60, 86_400))).replace(microsecond=0)
        found.append(
            DemoContainer(f"BRK-C-{n:05d}", kind.value, capacity, level, read, streets[i].district_id, lon, lat)
        )
    return found, [i for _a, i, _d, _s in spots]


def _neighbours(a: Area, b: Area) -> float:
    """Length (in degrees, roughly) of the border two districts share; 0 when they do not touch."""
    shared = a.geometry.boundary.intersection(b.geometry.boundary)
    return shared.length if not shared.is_empty else 0.0


def _groups(areas: Sequence[Area]) -> list[list[Area]]:
    """The centre's district alone, then the others each paired with the free neighbour it shares most border with."""
    centre = Point(CENTRE_LON, CENTRE_LAT)
    first = [a for a in areas if a.geometry.intersects(centre)][:1]
    free = [a for a in areas if a not in first]
    groups = [first] if first else []
    while free:
        a = free.pop(0)
        borders = [(_neighbours(a, b), -n) for n, b in enumerate(free)]
        best = max(borders, default=(0.0, 0))
        groups.append([a, free.pop(-best[1])] if best[0] > 0 else [a])
    return groups


def _as_multipolygon(geometry) -> MultiPolygon:
    parts = [p for p in shapely.get_parts(geometry) if isinstance(p, Polygon) and not p.is_empty]
    return MultiPolygon(parts)


def _crossing(a: Area, b: Area) -> np.ndarray:
    """The middle of the border two districts share, on the metric plane."""
    border = shapely.line_merge(a.geometry.boundary.intersection(b.geometry.boundary))
    if border.geom_type == "MultiLineString":
        border = max(border.geoms, key=lambda part: part.length)
    middle = border.interpolate(0.5, normalized=True) if border.geom_type == "LineString" else border.centroid
    return demo_city.metres([(middle.x, middle.y)])[0]


def _route(group: Sequence[Area], lines: dict[int, list[np.ndarray]], start: np.ndarray) -> list[tuple[float, float]]:
    """Down each street that has containers, district after district, crossing into the next one mid-border.

    From wherever the truck is, it takes the street whose nearer end is closest, from that end. Demo districts
    are convex, so the short straight legs between two streets of one district stay inside it.
    """
    path: list[np.ndarray] = []
    here = start
    for n, area in enumerate(group):
        todo = list(lines.get(area.id, []))
        if not todo:
            todo = [np.asarray(demo_city.to_metres(area.geometry).centroid.coords)]
        while todo:
            gaps = [min(np.hypot(*(line[0] - here)), np.hypot(*(line[-1] - here))) for line in todo]
            line = todo.pop(int(np.argmin(gaps)))
            if np.hypot(*(line[-1] - here)) < np.hypot(*(line[0] - here)):
                line = line[::-1]
            path += list(line)
            here = line[-1]
        if n + 1 < len(group):
            here = _crossing(area, group[n + 1])
            path.append(here)
    coords: list[tuple[float, float]] = []
    for point in demo_city.lonlat(np.asarray(path)):
        if not coords or coords[-1] != point:
            coords.append(point)
    if len(coords) < 2:
        # A district without streets: from its centre toward a corner.
        shape = demo_city.to_metres(group[0].geometry)
        centre = np.asarray(shape.centroid.coords[0])
        corner = shapely.get_coordinates(shape)[0]
        coords = demo_city.lonlat(np.asarray([centre, centre + 0.3 * (corner - centre)]))
    return coords


def _depot(rng: random.Random, areas: Sequence[Area]) -> tuple[float, float] | None:
    shapes = [demo_city.to_metres(a.geometry) for a in areas]
    minx, miny, maxx, maxy = shapely.union_all(shapes).bounds
    angle = rng.uniform(0, 2 * math.pi)
    for ring in np.arange(DEPOT_RING, 0, -0.05):
        spot = Point(ring * (maxx - minx) / 2 * math.cos(angle), ring * (maxy - miny) / 2 * math.sin(angle))
        if any(s.buffer(-20).contains(spot) for s in shapes):
            return demo_city.lonlat(np.asarray(spot.coords))[0]
    return None


def generate(
    areas: Sequence[Area], streets: Sequence[DemoStreet], *, containers: int, seed: int = SEED, now: datetime
) -> DemoSanitation:
    """The demo sanitation layers of `areas`, containers along `streets`: the same for the same inputs and day."""
    if not 0 <= containers <= MAX_CONTAINERS:
        raise ValueError(f"between 0 and {MAX_CONTAINERS} demo containers, not {containers}")
    rng = random.Random(seed + 1)  # not the lighting's stream: its draws do not depend on this one's
    now = now.astimezone(UTC).replace(microsecond=0)
    bins, on_street = _containers(rng, areas, streets, containers, now)
    depot = _depot(rng, areas)
    # The streets a truck drives down: those with containers, or every street of a district that has none.
    with_bins = set(on_street)
    found: dict[int, list[tuple[bool, np.ndarray]]] = {}
    for i, street in enumerate(streets):
        found.setdefault(street.district_id, []).append((i in with_bins, demo_city.metres(street.coords)))
    lines = {
        district: [line for used, line in here if used] or [line for _used, line in here]
        for district, here in found.items()
    }
    from_depot = demo_city.metres([depot])[0] if depot is not None else np.zeros(2)

    zones, routes = [], []
    for n, group in enumerate(_groups(areas), start=1):
        centre = len(group) == 1 and group[0].geometry.intersects(Point(CENTRE_LON, CENTRE_LAT))
        start, end = EVENING if centre or rng.random() < 0.25 else MORNING
        days = DAILY if centre else DAYS[n % 2]
        shape = _as_multipolygon(shapely.union_all([a.geometry for a in group], grid_size=10**-demo_city.DIGITS))
        code = f"BRK-Z-{n:02d}"
        zones.append(
            DemoZone(
                code,
                f"قطاع الجمع {n}: " + "، ".join(a.name_ar for a in group),
                f"Secteur de collecte {n} : " + ", ".join(a.name_fr for a in group),
                rng.choice(CONTRACTORS),
                days,
                start,
                end,
                tuple(a.id for a in group),
                shapely.to_wkt(shape, rounding_precision=demo_city.DIGITS, trim=True),
            )
        )
        routes.append(
            DemoRoute(
                f"BRK-R-{n:02d}",
                f"مسار شاحنة الجمع {n}",
                f"Circuit de collecte {n}",
                code,
                tuple(_route(group, lines, from_depot)),
            )
        )
    depots = (
        (DemoDepot("BRK-DEP-01", "مستودع شاحنات النظافة", "Dépôt des camions de propreté", *depot),)
        if depot is not None
        else ()
    )
    return DemoSanitation(tuple(bins), tuple(zones), tuple(r for r in routes if len(r.coords) > 1), depots)


# --------------------------------------------------------------------------- seeding


def _count(session: Session, model) -> int:
    return session.scalar(select(func.count()).select_from(model).where(model.is_demo.is_(True)))


def _is_loaded(session: Session, data: DemoSanitation) -> bool:
    """Whether the database already holds exactly these demo layers (counts and a sample of positions)."""
    counts = tuple(_count(session, m) for m in (WasteContainer, CollectionZone, CollectionRoute, Depot))
    if counts != (len(data.containers), len(data.zones), len(data.routes), len(data.depots)):
        return False
    for model, wanted in (
        (WasteContainer, {c.code: (c.lon, c.lat) for c in demo_city.sample(data.containers)}),
        (Depot, {d.code: (d.lon, d.lat) for d in data.depots}),
        (CollectionRoute, {r.code: r.coords[0] for r in data.routes}),
    ):
        if not demo_city.stands_as_generated(session, model, wanted):
            return False
    return True


def remove(session: Session) -> None:
    """Delete the demo containers, zones, routes and depots; nothing else."""
    demo_zones = select(CollectionZone.id).where(CollectionZone.is_demo.is_(True))
    attached = session.scalar(
        select(func.count())
        .select_from(CollectionRoute)
        .where(CollectionRoute.is_demo.is_(False), CollectionRoute.zone_id.in_(demo_zones))
    )
    if attached:
        raise DemoLayerInUse(f"routes that are not demo data ({attached}) belong to demo collection zones")
    for model in (CollectionRoute, CollectionZone, WasteContainer, Depot):
        session.execute(delete(model.__table__).where(model.is_demo.is_(True)))


def write(session: Session, data: DemoSanitation, *, now: datetime, progress: Progress | None = None) -> None:
    """Insert generated layers in bulk (one executemany per table and chunk); the caller removed the old ones."""
    demo_city.bulk_insert(
        session,
        WasteContainer.__table__,
        [
            {
                "code": c.code,
                "kind": c.kind,
                "capacity_l": c.capacity_l,
                "fill_level": c.fill_level,
                "fill_read_at": c.fill_read_at,
                "district_id": c.district_id,
                "is_demo": True,
                "lon": c.lon,
                "lat": c.lat,
            }
            for c in data.containers
        ],
        points=True,
        progress=progress,
    )
    demo_city.bulk_insert(
        session,
        CollectionZone.__table__,
        [
            {
                "code": z.code,
                "name_ar": z.name_ar,
                "name_fr": z.name_fr,
                "contractor": z.contractor,
                "days": z.days,
                "start_time": z.start_time,
                "end_time": z.end_time,
                "is_demo": True,
                "geom": f"SRID=4326;{z.wkt}",
            }
            for z in data.zones
        ],
    )
    zones = dict(
        session.execute(select(CollectionZone.code, CollectionZone.id).where(CollectionZone.is_demo.is_(True))).all()
    )
    demo_city.bulk_insert(
        session,
        CollectionRoute.__table__,
        [
            {
                "code": r.code,
                "name_ar": r.name_ar,
                "name_fr": r.name_fr,
                "zone_id": zones[r.zone_code],
                "is_demo": True,
                "geom": demo_city.line_ewkt(r.coords),
            }
            for r in data.routes
        ],
    )
    demo_city.bulk_insert(
        session,
        Depot.__table__,
        [
            {
                "code": d.code,
                "name_ar": d.name_ar,
                "name_fr": d.name_fr,
                "is_demo": True,
                "lon": d.lon,
                "lat": d.lat,
                "created_at": now,
            }
            for d in data.depots
        ],
        points=True,
    )


def seed_sanitation(
    session: Session,
    districts: Sequence[District],
    streets: Sequence[DemoStreet],
    *,
    containers: int = DEFAULT_CONTAINERS,
    seed: int = SEED,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> tuple[DemoSanitation, bool]:
    """Make the demo sanitation layers those of (seed, containers) over `districts` and `streets`.

    Returns the layers and True when rows were written. Layers already as generated are left alone; any
    other demo containers, zones, routes and depots are replaced. Rows not flagged `is_demo` are never touched.
    """
    now = now or utcnow()
    data = generate(demo_city.areas(districts), streets, containers=containers, seed=seed, now=now)
    if _is_loaded(session, data):
        if progress is not None:
            progress(len(data.containers))
        return data, False
    remove(session)
    write(session, data, now=now, progress=progress)
    session.flush()
    return data, True
