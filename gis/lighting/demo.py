"""A reproducible synthetic street-lighting inventory for the demo Berkane: streets, poles, cabinets, meters.

Streets are four boulevards crossing at the centre, two ring roads, and a grid turned its own way in each
district, all clipped to the districts (a few metres inside their edges) and named in Arabic and French.
The grid is as dense as the number of lights asks, so that poles stand 25-35 m apart along the streets;
with few lights the boulevards nearest the centre are lit first, and beyond about 30,000 lights (70 m
blocks everywhere) poles stand closer. Neighbouring lights hang on one switching cabinet per circuit of
about 70; about half of the cabinets dim their lamps late at night, and each cabinet's meter was read at
the start of each of the last twelve months, its index growing by what its lamps burned
(`gis.lighting.energy`). Every row is flagged `is_demo`; the same seed, count and districts give the same
inventory.
"""

import math
import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from gis import demo_city
from gis.demo_city import SEED, Area, DemoLayerInUse, Progress
from gis.districts.models import District
from gis.lighting.energy import DimStep, Load, month_consumption
from gis.lighting.models import (
    Cabinet,
    LampTechnology,
    LightMaintenance,
    LightPoint,
    LightStatus,
    MaintenanceKind,
    MeterReading,
    Street,
)
from services.clock import LOCAL_TZ
from services.db import utcnow

DEFAULT_LIGHTS = 5000
MAX_LIGHTS = 200_000

SPACING_M = 30.0  # between poles along a street
MAX_SPACING_M = 35.0
EDGE_M = 12.0  # streets stop this far inside their district, so that poles beside them stay inside it
OFFSET_M = {"boulevard": 6.0, "street": 4.0}  # from the centre line to the pole, on the pavement
CABINET_OFFSET_M = 3.0
MIN_BLOCK_M, MAX_BLOCK_M = 70.0, 450.0
MIN_STREET_M = 40.0
CIRCUIT = 70  # lights on one cabinet, about
_FAR_M = 20_000.0  # half-length of the lines clipped to the districts

# Four boulevards through the centre, then the inner and outer ring roads.
BOULEVARDS = [
    ("شارع محمد الخامس", "Boulevard Mohammed V"),
    ("شارع الحسن الثاني", "Avenue Hassan II"),
    ("شارع القوات المسلحة الملكية", "Avenue des FAR"),
    ("شارع مولاي يوسف", "Avenue Moulay Youssef"),
]
RINGS = [
    (0.42, "شارع المسيرة الخضراء", "Boulevard de la Marche Verte"),
    (0.78, "شارع محمد السادس", "Boulevard Mohammed VI"),
]
# Names for the longest grid streets; the others are numbered within their district.
AVENUES = [
    ("شارع علال بن عبد الله", "Avenue Allal Ben Abdellah"),
    ("شارع الاستقلال", "Avenue de l'Indépendance"),
    ("شارع المقاومة", "Avenue de la Résistance"),
    ("شارع مولاي رشيد", "Avenue Moulay Rachid"),
    ("شارع محمد الزرقطوني", "Boulevard Zerktouni"),
    ("شارع مولاي عبد الله", "Avenue Moulay Abdellah"),
]
RUES = [
    ("زنقة ابن خلدون", "Rue Ibn Khaldoun"),
    ("زنقة ابن سينا", "Rue Ibn Sina"),
    ("زنقة ابن رشد", "Rue Ibn Rochd"),
    ("زنقة ابن بطوطة", "Rue Ibn Battouta"),
    ("زنقة الفارابي", "Rue Al Farabi"),
    ("زنقة طارق بن زياد", "Rue Tarik Ibn Ziad"),
    ("زنقة يوسف بن تاشفين", "Rue Youssef Ibn Tachfine"),
    ("زنقة عقبة بن نافع", "Rue Okba Ibn Nafii"),
    ("زنقة مولاي إسماعيل", "Rue Moulay Ismail"),
    ("زنقة مولاي إدريس", "Rue Moulay Idriss"),
    ("زنقة علال الفاسي", "Rue Allal El Fassi"),
    ("زنقة عبد الكريم الخطابي", "Rue Abdelkrim El Khattabi"),
    ("زنقة الإمام مالك", "Rue Imam Malik"),
    ("زنقة فلسطين", "Rue de Palestine"),
    ("زنقة فاس", "Rue de Fès"),
    ("زنقة مراكش", "Rue de Marrakech"),
    ("زنقة وجدة", "Rue d'Oujda"),
    ("زنقة الناظور", "Rue de Nador"),
    ("زنقة السعيدية", "Rue de Saïdia"),
    ("زنقة طنجة", "Rue de Tanger"),
    ("زنقة ملوية", "Rue de la Moulouya"),
    ("زنقة تافوغالت", "Rue de Taforalt"),
    ("زنقة الأطلس", "Rue de l'Atlas"),
    ("زنقة الريف", "Rue du Rif"),
    ("زنقة البرتقال", "Rue des Orangers"),
    ("زنقة الزيتون", "Rue des Oliviers"),
    ("زنقة الياسمين", "Rue des Jasmins"),
    ("زنقة الورود", "Rue des Roses"),
]
AVENUE_MIN_M = 800.0

TECHNOLOGIES = [(LampTechnology.LED, 35), (LampTechnology.HPS, 50), (LampTechnology.METAL_HALIDE, 15)]
# Lamp ratings (W) by technology, on boulevards and on ordinary streets.
POWER_W = {
    ("boulevard", LampTechnology.LED): [80, 90, 100],
    ("boulevard", LampTechnology.HPS): [150, 250],
    ("boulevard", LampTechnology.METAL_HALIDE): [250],
    ("street", LampTechnology.LED): [40, 50, 60, 70],
    ("street", LampTechnology.HPS): [100, 150],
    ("street", LampTechnology.METAL_HALIDE): [150],
}
POLE_M = {"boulevard": (10.0, 12.0), "street": (6.0, 9.0)}
INSTALLED = {  # years a lamp of each technology went up in
    LampTechnology.LED: (2016, 2025),
    LampTechnology.HPS: (1995, 2015),
    LampTechnology.METAL_HALIDE: (2002, 2018),
}
FAULTY_SHARE = 0.03
FAULTS = [(LightStatus.OUT, 40), (LightStatus.FLICKERING, 25), (LightStatus.DAY_BURNING, 15), (LightStatus.DAMAGED, 20)]
DIMMING = [
    ({"start": "00:00", "end": "05:00", "level": 0.5},),
    ({"start": "23:00", "end": "05:00", "level": 0.6},),
    ({"start": "22:00", "end": "00:00", "level": 0.8}, {"start": "00:00", "end": "05:30", "level": 0.5}),
]
READ_HOUR = 9  # local time of the monthly meter round


@dataclass(frozen=True)
class DemoStreet:
    code: str
    name_ar: str
    name_fr: str
    district_id: int
    coords: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class DemoCabinet:
    code: str
    district_id: int
    meter_number: str
    dimming: tuple[dict, ...]
    lon: float
    lat: float


@dataclass(frozen=True)
class DemoReading:
    cabinet_code: str
    read_at: datetime
    index_kwh: float


@dataclass(frozen=True)
class DemoLight:
    code: str
    technology: str
    power_w: int
    pole_height_m: float
    street_code: str
    cabinet_code: str
    district_id: int
    installed_on: date
    status: str
    status_changed_at: datetime | None
    last_maintenance_at: datetime | None
    lon: float
    lat: float


@dataclass(frozen=True)
class DemoUpkeep:
    light_code: str
    at: datetime
    kind: str
    status_before: str
    status_after: str
    fault_started_at: datetime | None = None


@dataclass(frozen=True)
class DemoLighting:
    streets: tuple[DemoStreet, ...]
    cabinets: tuple[DemoCabinet, ...]
    readings: tuple[DemoReading, ...]
    lights: tuple[DemoLight, ...]
    upkeep: tuple[DemoUpkeep, ...]


@dataclass
class _Line:
    kind: str  # "boulevard" or "street"
    area: int  # index into the areas
    line: LineString  # metres
    name: tuple[str, str] | None = None
    family: int = 0  # which name of BOULEVARDS + RINGS, for boulevards


# --------------------------------------------------------------------------- streets


def _clip(lines: Sequence[LineString], inside) -> list[LineString]:
    parts = shapely.get_parts(shapely.intersection(np.asarray(lines, dtype=object), inside))
    return [p for p in parts if p.geom_type == "LineString" and p.length >= MIN_STREET_M]


def _ellipse(half_x: float, half_y: float, segments: int = 96) -> LineString:
    angles = np.linspace(0, 2 * math.pi, segments + 1)
    return LineString(np.column_stack((half_x * np.cos(angles), half_y * np.sin(angles))))


def _boulevards(rng: random.Random, insides, half_x: float, half_y: float) -> list[_Line]:
    axes = []
    for n in range(len(BOULEVARDS)):
        angle = math.radians(8 + 45 * n + rng.uniform(-6, 6))
        dx, dy = _FAR_M * math.cos(angle), _FAR_M * math.sin(angle)
        axes.append(LineString([(-dx, -dy), (dx, dy)]))
    rings = [_ellipse(half_x * f, half_y * f) for f, _ar, _fr in RINGS]
    names = BOULEVARDS + [(ar, fr) for _f, ar, fr in RINGS]
    found = []
    for index, inside in enumerate(insides):
        for family, line in enumerate(axes + rings):
            found += [_Line("boulevard", index, part, names[family], family) for part in _clip([line], inside)]
    return found


def _grid(rng: random.Random, index: int, inside, block_m: float) -> list[_Line]:
    """Two families of parallel streets `block_m` apart, turned by a random angle, clipped to `inside`."""
    turn = rng.uniform(0, math.pi / 2)
    shift = rng.uniform(0, block_m)
    centre = np.asarray(inside.centroid.coords[0])
    corners = np.asarray(
        inside.exterior.coords if inside.geom_type == "Polygon" else inside.convex_hull.exterior.coords
    )
    found = []
    for angle in (turn, turn + math.pi / 2):
        along = np.array([math.cos(angle), math.sin(angle)])
        across = np.array([-along[1], along[0]])
        offsets = (corners - centre) @ across
        first = math.floor((offsets.min() - shift) / block_m)
        lines = []
        for k in range(first, math.ceil((offsets.max() - shift) / block_m) + 1):
            middle = centre + (shift + k * block_m) * across
            lines.append(LineString([middle - _FAR_M * along, middle + _FAR_M * along]))
        found += [_Line("street", index, part) for part in _clip(lines, inside)]
    return found


def _network(areas_m: Sequence, lights: int, rng: random.Random) -> list[_Line]:
    insides = [shape.buffer(-EDGE_M) for shape in areas_m]
    minx, miny, maxx, maxy = shapely.union_all(areas_m).bounds
    boulevards = _boulevards(rng, insides, (maxx - minx) / 2, (maxy - miny) / 2)
    # Two families of lines `b` apart cover an area A with about 2A/b metres of street.
    area = sum(inside.area for inside in insides)
    wanted = lights * SPACING_M - sum(b.line.length for b in boulevards)
    block = min(MAX_BLOCK_M, max(MIN_BLOCK_M, 2 * area / wanted)) if wanted > 0 else MAX_BLOCK_M
    streets = []
    for index, inside in enumerate(insides):
        if not inside.is_empty:
            streets += [b for b in boulevards if b.area == index] + _grid(rng, index, inside, block)
    _name(streets)
    return streets


def _name(streets: list[_Line]) -> None:
    grid = sorted((s for s in streets if s.kind == "street"), key=lambda s: -s.line.length)
    avenues, rues = list(AVENUES), list(RUES)
    for street in grid:
        if avenues and street.line.length >= AVENUE_MIN_M:
            street.name = avenues.pop(0)
        elif rues:
            street.name = rues.pop(0)
    numbers: dict[int, int] = {}
    for street in streets:
        if street.name is None:
            numbers[street.area] = numbers.get(street.area, 0) + 1
            street.name = (f"زنقة {numbers[street.area]}", f"Rue {numbers[street.area]}")


# --------------------------------------------------------------------------- poles


def _shares(streets: Sequence[_Line], lights: int) -> list[int]:
    """How many lights stand along each street."""
    lengths = [s.line.length for s in streets]
    total = sum(lengths)
    shares = [0] * len(streets)
    if lights == 0 or total == 0:
        return shares
    if total / lights > MAX_SPACING_M:
        # Too few lights for the whole network: the boulevards first, then the streets nearest the centre.
        centre = Point(0, 0)
        order = sorted(
            range(len(streets)), key=lambda i: (streets[i].kind != "boulevard", streets[i].line.distance(centre), i)
        )
        left = lights
        for i in order:
            shares[i] = min(left, max(1, round(lengths[i] / SPACING_M)))
            left -= shares[i]
            if left == 0:
                return shares
        shares = [0] * len(streets)
    # Every street lit, its share of the lights in proportion to its length (largest remainders).
    quotas = [lights * length / total for length in lengths]
    shares = [math.floor(q) for q in quotas]
    for i in sorted(range(len(streets)), key=lambda i: (shares[i] - quotas[i], i))[: lights - sum(shares)]:
        shares[i] += 1
    return shares


def _weighted(rng: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return values[bisect(list(accumulate(weights)), rng.random() * sum(weights))]


def _moment(now: datetime, rng: random.Random, days_min: float, days_max: float) -> datetime:
    return (now - timedelta(seconds=round(rng.uniform(days_min, days_max) * 86_400))).replace(microsecond=0)


def _circuits(members: np.ndarray, xy: np.ndarray, count: int) -> list[np.ndarray]:
    """`members` cut into `count` groups of (nearly) equal size, each compact: halves along the longer side, again."""
    if count == 1:
        return [members]
    spread = np.ptp(xy[members], axis=0)
    order = members[np.argsort(xy[members, 0 if spread[0] >= spread[1] else 1], kind="stable")]
    left = count // 2
    cut = round(len(members) * left / count)
    return _circuits(order[:cut], xy, left) + _circuits(order[cut:], xy, count - left)


@lru_cache(maxsize=512)
def _kwh_per_kw(year: int, month: int, schedule: tuple[DimStep, ...]) -> float:
    """What one kilowatt of lamps on `schedule` burns over the nights beginning in the month."""
    return month_consumption(year, month, [Load(1, 1000.0, schedule)], tariff_mad_per_kwh=0.0, co2_kg_per_kwh=0.0).kwh


def schedule(dimming: Sequence[dict]) -> tuple[DimStep, ...]:
    """A cabinet's stored dimming steps as energy.DimStep values."""
    return tuple(
        DimStep(time.fromisoformat(s["start"]), time.fromisoformat(s["end"]), float(s["level"])) for s in dimming
    )


def reading_months(now: datetime) -> list[tuple[int, int]]:
    """The twelve whole months before the last monthly meter round (the 1st, by 10:00 local time), oldest first."""
    today = now.astimezone(LOCAL_TZ)
    last_round = today.year * 12 + today.month - 1 - (1 if (today.day, today.hour) < (1, READ_HOUR + 1) else 0)
    return [((last_round - k) // 12, (last_round - k) % 12 + 1) for k in range(12, 0, -1)]


def generate(areas: Sequence[Area], *, lights: int, seed: int = SEED, now: datetime) -> DemoLighting:
    """The demo lighting inventory of `areas`: the same for the same seed, count, areas and day."""
    if not 0 <= lights <= MAX_LIGHTS:
        raise ValueError(f"between 0 and {MAX_LIGHTS} demo lights, not {lights}")
    rng = random.Random(seed)
    now = now.astimezone(UTC).replace(microsecond=0)
    shapes = [demo_city.to_metres(a.geometry) for a in areas]
    lines = _network(shapes, lights, rng)
    if lights and not lines:
        raise ValueError("no street to put demo lights on: no district given")
    street_codes = [f"BRK-S-{n:04d}" for n in range(1, len(lines) + 1)]
    streets = tuple(
        DemoStreet(code, s.name[0], s.name[1], areas[s.area].id, tuple(demo_city.lonlat(np.asarray(s.line.coords))))
        for code, s in zip(street_codes, lines, strict=True)
    )

    # Where the poles stand: spread along each street, on its pavement.
    owner, along, side = [], [], []
    for i, (line, count) in enumerate(zip(lines, _shares(lines, lights), strict=True)):
        if not count:
            continue
        gap = line.line.length / count
        jitter = min(2.5, 0.2 * gap)
        street_side = rng.choice((-1, 1))
        for k in range(count):
            owner.append(i)
            along.append((k + 0.5) * gap + rng.uniform(-jitter, jitter))
            side.append((1 if k % 2 else -1) if line.kind == "boulevard" else street_side)
    owner_a = np.asarray(owner, dtype=int)
    along_a = np.asarray(along, dtype=float)
    geoms = np.asarray([s.line for s in lines], dtype=object)[owner_a] if owner else np.empty(0, dtype=object)
    lengths = shapely.length(geoms)
    ahead = np.minimum(along_a + 0.5, lengths)
    behind = np.maximum(ahead - 1.0, 0.0)
    base = shapely.get_coordinates(shapely.line_interpolate_point(geoms, along_a)).reshape(-1, 2)
    tangent = shapely.get_coordinates(shapely.line_interpolate_point(geoms, ahead)).reshape(-1, 2) - (
        shapely.get_coordinates(shapely.line_interpolate_point(geoms, behind)).reshape(-1, 2)
    )
    norm = np.hypot(tangent[:, 0], tangent[:, 1]).reshape(-1, 1)
    normal = np.column_stack((-tangent[:, 1], tangent[:, 0])) / np.where(norm == 0, 1, norm)
    offsets = np.asarray([OFFSET_M[lines[i].kind] for i in owner], dtype=float).reshape(-1, 1)
    sides = np.asarray(side, dtype=float).reshape(-1, 1)
    poles = base + sides * offsets * normal
    pole_lonlat = demo_city.lonlat(poles)

    # Circuits: each district's lights cut into compact groups of about CIRCUIT.
    area_of = np.asarray([lines[i].area for i in owner], dtype=int)
    cabinet_of = np.zeros(len(owner), dtype=int)
    cabinets: list[DemoCabinet] = []
    for index, area in enumerate(areas):
        members = np.flatnonzero(area_of == index)
        if not len(members):
            continue
        for run in _circuits(members, poles, max(1, round(len(members) / CIRCUIT))):
            # The cabinet stands across the street from the pole nearest the middle of its circuit.
            middle = poles[run].mean(axis=0)
            nearest = run[int(np.argmin(np.hypot(*(poles[run] - middle).T)))]
            spot = base[nearest] - sides[nearest] * CABINET_OFFSET_M * normal[nearest]
            (lon, lat) = demo_city.lonlat(spot.reshape(1, 2))[0]
            dimming = rng.choice(DIMMING) if rng.random() < 0.5 else ()
            code = f"BRK-CAB-{len(cabinets) + 1:04d}"
            cabinets.append(DemoCabinet(code, area.id, f"{rng.randrange(10**9):09d}", dimming, lon, lat))
            cabinet_of[run] = len(cabinets) - 1

    # The lamps themselves.
    light_rows: list[DemoLight] = []
    upkeep: list[DemoUpkeep] = []
    watts = [0.0] * len(cabinets)
    for j, i in enumerate(owner):
        kind = lines[i].kind
        technology = _weighted(rng, TECHNOLOGIES)
        power = rng.choice(POWER_W[kind, technology])
        low, high = POLE_M[kind]
        height = round(rng.uniform(low, high) * 2) / 2
        first, last = INSTALLED[technology]
        installed = date(rng.randint(first, min(last, now.year - 2)), rng.randint(1, 12), rng.randint(1, 28))
        code = f"BRK-L-{j + 1:06d}"
        status, changed, maintained = LightStatus.WORKING, None, None
        age_days = (now.date() - installed).days
        if rng.random() < 0.7:
            maintained = _moment(now, rng, 5, max(5, min(1000, age_days)))
            roll = rng.random()
            if roll < 0.6:
                started = maintained - timedelta(seconds=round(rng.uniform(3, 240) * 3600))
                repaired = MaintenanceKind.REPAIRED.value
                upkeep.append(DemoUpkeep(code, maintained, repaired, "out", "working", started))
                changed = maintained
            else:
                what = MaintenanceKind.LAMP_REPLACED if roll < 0.85 else MaintenanceKind.INSPECTED
                upkeep.append(DemoUpkeep(code, maintained, what.value, "working", "working"))
        if rng.random() < FAULTY_SHARE:
            status = _weighted(rng, FAULTS)
            changed = _moment(now, rng, 0.5, 60)
            if maintained is not None and changed <= maintained:
                changed = maintained + timedelta(days=1)
            upkeep.append(DemoUpkeep(code, changed, MaintenanceKind.STATUS_SET.value, "working", status.value))
        circuit = int(cabinet_of[j])
        watts[circuit] += power
        lon, lat = pole_lonlat[j]
        light_rows.append(
            DemoLight(
                code,
                technology.value,
                power,
                height,
                street_codes[i],
                cabinets[circuit].code,
                areas[lines[i].area].id,
                installed,
                status.value,
                changed,
                maintained,
                lon,
                lat,
            )
        )

    # Monthly meter readings: a cumulative index growing by what the cabinet's lamps burned each month.
    readings = []
    months = reading_months(now)
    last_round = (months[-1][0] + months[-1][1] // 12, months[-1][1] % 12 + 1)
    for cabinet, load_w in zip(cabinets, watts, strict=True):
        steps = schedule(cabinet.dimming)
        index = round(rng.uniform(5_000, 150_000), 1)
        burned = 0.0
        # Read at the start of each month, and once more at the last round: twelve months burned.
        for n, (year, month) in enumerate([*months, last_round]):
            read = datetime(year, month, 1, READ_HOUR, rng.randrange(60), tzinfo=LOCAL_TZ).astimezone(UTC)
            readings.append(DemoReading(cabinet.code, read, round(index + burned, 1)))
            if n < len(months):
                burned += load_w / 1000 * _kwh_per_kw(year, month, steps)

    upkeep.sort(key=lambda u: (u.light_code, u.at))
    return DemoLighting(streets, tuple(cabinets), tuple(readings), tuple(light_rows), tuple(upkeep))


# --------------------------------------------------------------------------- seeding


def _count(session: Session, model) -> int:
    return session.scalar(select(func.count()).select_from(model).where(model.is_demo.is_(True)))


def _is_loaded(session: Session, data: DemoLighting) -> bool:
    """Whether the database already holds exactly these demo layers (counts and a sample of positions)."""
    if (_count(session, Street), _count(session, Cabinet), _count(session, LightPoint)) != (
        len(data.streets),
        len(data.cabinets),
        len(data.lights),
    ):
        return False
    for model, wanted in (
        (LightPoint, {x.code: (x.lon, x.lat) for x in demo_city.sample(data.lights)}),
        (Cabinet, {x.code: (x.lon, x.lat) for x in demo_city.sample(data.cabinets)}),
        (Street, {x.code: x.coords[0] for x in demo_city.sample(data.streets)}),
    ):
        if not demo_city.stands_as_generated(session, model, wanted):
            return False
    return True


def remove(session: Session) -> None:
    """Delete the demo streets, cabinets (with their readings) and lights (with their history); nothing else."""
    demo_streets = select(Street.id).where(Street.is_demo.is_(True))
    demo_cabinets = select(Cabinet.id).where(Cabinet.is_demo.is_(True))
    demo_lights = select(LightPoint.id).where(LightPoint.is_demo.is_(True))
    attached = session.scalar(
        select(func.count())
        .select_from(LightPoint)
        .where(
            LightPoint.is_demo.is_(False),
            or_(LightPoint.street_id.in_(demo_streets), LightPoint.cabinet_id.in_(demo_cabinets)),
        )
    )
    if attached:
        raise DemoLayerInUse(f"lights that are not demo data ({attached}) stand on demo streets or cabinets")
    session.execute(delete(LightMaintenance.__table__).where(LightMaintenance.light_id.in_(demo_lights)))
    session.execute(delete(LightPoint.__table__).where(LightPoint.is_demo.is_(True)))
    session.execute(delete(MeterReading.__table__).where(MeterReading.cabinet_id.in_(demo_cabinets)))
    session.execute(delete(Cabinet.__table__).where(Cabinet.is_demo.is_(True)))
    session.execute(delete(Street.__table__).where(Street.is_demo.is_(True)))


def _ids(session: Session, model) -> dict[str, int]:
    return dict(session.execute(select(model.code, model.id).where(model.is_demo.is_(True))).all())


def write(session: Session, data: DemoLighting, *, now: datetime, progress: Progress | None = None) -> None:
    """Insert generated layers in bulk (one executemany per table and chunk); the caller removed the old ones."""
    demo_city.bulk_insert(
        session,
        Street.__table__,
        [
            {
                "code": s.code,
                "name_ar": s.name_ar,
                "name_fr": s.name_fr,
                "district_id": s.district_id,
                "is_demo": True,
                "geom": demo_city.line_ewkt(s.coords),
            }
            for s in data.streets
        ],
    )
    demo_city.bulk_insert(
        session,
        Cabinet.__table__,
        [
            {
                "code": c.code,
                "district_id": c.district_id,
                "dimming": [dict(step) for step in c.dimming],
                "meter_number": c.meter_number,
                "is_demo": True,
                "lon": c.lon,
                "lat": c.lat,
                "created_at": now,
            }
            for c in data.cabinets
        ],
        points=True,
    )
    streets, cabinets = _ids(session, Street), _ids(session, Cabinet)
    demo_city.bulk_insert(
        session,
        MeterReading.__table__,
        [
            {"cabinet_id": cabinets[r.cabinet_code], "read_at": r.read_at, "index_kwh": r.index_kwh}
            for r in data.readings
        ],
    )
    demo_city.bulk_insert(
        session,
        LightPoint.__table__,
        [
            {
                "code": x.code,
                "technology": x.technology,
                "power_w": x.power_w,
                "pole_height_m": x.pole_height_m,
                "cabinet_id": cabinets[x.cabinet_code],
                "street_id": streets[x.street_code],
                "district_id": x.district_id,
                "installed_on": x.installed_on,
                "status": x.status,
                "status_changed_at": x.status_changed_at,
                "last_maintenance_at": x.last_maintenance_at,
                "is_demo": True,
                "lon": x.lon,
                "lat": x.lat,
            }
            for x in data.lights
        ],
        points=True,
        progress=progress,
    )
    lights = _ids(session, LightPoint)
    demo_city.bulk_insert(
        session,
        LightMaintenance.__table__,
        [
            {
                "light_id": lights[u.light_code],
                "at": u.at,
                "kind": u.kind,
                "status_before": u.status_before,
                "status_after": u.status_after,
                "fault_started_at": u.fault_started_at,
            }
            for u in data.upkeep
        ],
    )


def seed_lighting(
    session: Session,
    districts: Sequence[District],
    *,
    lights: int = DEFAULT_LIGHTS,
    seed: int = SEED,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> tuple[DemoLighting, bool]:
    """Make the demo lighting layers those of (seed, lights) over `districts`; True when rows were written.

    Layers already as generated are left alone (their lights keep the faults reported on them since); any
    other demo streets, cabinets and lights are replaced. Rows not flagged `is_demo` are never touched.
    """
    now = now or utcnow()
    data = generate(demo_city.areas(districts), lights=lights, seed=seed, now=now)
    if _is_loaded(session, data):
        if progress is not None:
            progress(len(data.lights))
        return data, False
    remove(session)
    write(session, data, now=now, progress=progress)
    session.flush()
    return data, True
