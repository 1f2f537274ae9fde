"""Check every feature of a file against its layer's rules, then create or update the rows by code, all or nothing.

`check` reads the database but writes nothing: it lists every problem (feature number, field, value) and
what each good feature would do. `apply` writes a plan that has no problem, in the caller's transaction.
"""

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.districts.queries import district_at
from gis.io import layers as L
from gis.io.layers import LAYERS, SERVICE_AREA, Field, Layer, Reference
from gis.io.reading import Source, SourceFeature
from gis.spatial import WGS84
from services.clock import LOCAL_TZ
from services.db import as_utc
from services.errors import Invalid

# The dBase files behind Shapefiles cut column names at 10 characters.
SHAPEFILE_NAME_MAX = 10
_CHUNK = 500  # codes per IN (...) list
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


@dataclass(frozen=True)
class Problem:
    """Why a feature (or, with feature None, the whole file) cannot be imported."""

    feature: int | None
    field: str | None
    code: str
    value: Any = None
    params: dict = field(default_factory=dict)
    feature_code: str | None = None  # the feature's own code, when it has one, to find it in the file


@dataclass
class Row:
    number: int
    code: str
    values: dict[str, Any]  # attribute -> value, only for the columns the file gives
    geometry: BaseGeometry
    existing: Any = None  # the row to update, or None to create
    changed: bool = True


@dataclass
class Plan:
    layer: Layer
    source: Source
    columns: dict[str, str]  # layer column -> file column
    ignored: tuple[str, ...]  # file columns no layer column uses
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(1 for r in self.rows if r.existing is None)

    @property
    def updated(self) -> int:
        return sum(1 for r in self.rows if r.existing is not None and r.changed)

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.rows if r.existing is not None and not r.changed)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Bad(Exception):
    """One field's value is wrong; becomes a Problem for its feature."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def get_layer(name: str) -> Layer:
    layer = LAYERS.get(name)
    if layer is None:
        raise Invalid("import_layer_unknown", layer=name)
    return layer


# --------------------------------------------------------------------------- columns


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """`dst=src` pairs (layer column = file column) as a dict."""
    mapping = {}
    for pair in pairs:
        dst, sep, src = pair.partition("=")
        if not sep or not dst.strip() or not src.strip():
            raise Invalid("import_mapping_invalid", mapping=pair)
        mapping[dst.strip()] = src.strip()
    return mapping


def match_columns(layer: Layer, file_columns: Iterable[str], mapping: dict[str, str]) -> dict[str, str]:
    """Which file column feeds each layer column: the mapping first, then the same name (any case)."""
    available = {c.lower(): c for c in file_columns}
    for dst, src in mapping.items():
        if dst not in layer.columns:
            raise Invalid("import_field_unknown", field=dst)
        if src.lower() not in available:
            raise Invalid("import_column_missing", column=src)
    matched = {dst: available[src.lower()] for dst, src in mapping.items()}
    for name in layer.columns:
        if name in matched:
            continue
        for candidate in (name, name[:SHAPEFILE_NAME_MAX]):
            if candidate.lower() in available and available[candidate.lower()] not in matched.values():
                matched[name] = available[candidate.lower()]
                break
    return matched


# --------------------------------------------------------------------------- values


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any, kind: str) -> int | float:
    if isinstance(value, bool):
        raise _Bad("number_invalid")
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if "," in text and "." not in text:  # a French decimal comma
            text = text.replace(",", ".")
        try:
            value = float(text) if kind == L.FLOAT or not re.fullmatch(r"[+-]?\d+", text) else int(text)
        except ValueError:
            raise _Bad("number_invalid") from None
    if not isinstance(value, int | float) or (isinstance(value, float) and not math.isfinite(value)):
        raise _Bad("number_invalid")
    if kind == L.INT:
        if isinstance(value, float) and not value.is_integer():
            raise _Bad("whole_number_required")
        return int(value)
    return float(value)


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip().replace("/", "-")[:10])
    except ValueError:
        raise _Bad("date_invalid") from None


def _datetime(value: Any) -> datetime:
    if not isinstance(value, datetime):
        text = str(value).strip().replace("/", "-")
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise _Bad("datetime_invalid") from None
    # A time without an offset was read on a clock in Berkane.
    return as_utc(value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ))


def _time(value: Any) -> time:
    if isinstance(value, time):
        return value.replace(microsecond=0, tzinfo=None)
    match = _HHMM.match(str(value).strip())
    if not match:
        raise _Bad("time_invalid")
    hours, minutes, seconds = match.groups()
    return time(int(hours), int(minutes), int(seconds or 0))


def _dimming(value: Any) -> list[dict]:
    """Steps {"start": "HH:MM", "end": "HH:MM", "level": 0..1}, as a list or its JSON text."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _Bad("dimming_invalid") from None
    if not isinstance(value, list | tuple):
        raise _Bad("dimming_invalid")
    steps = []
    for step in value:
        if not isinstance(step, dict) or set(step) != {"start", "end", "level"}:
            raise _Bad("dimming_invalid")
        start, end = _time(step["start"]), _time(step["end"])
        level = step["level"]
        if isinstance(level, bool) or not isinstance(level, int | float) or not 0 <= level <= 1 or start == end:
            raise _Bad("dimming_invalid")
        steps.append({"start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "level": level})
    return steps


def _weekdays(value: Any) -> str:
    """ISO weekday numbers 1 (Monday) to 7, as "1,3,5"."""
    parts = value if isinstance(value, list | tuple) else str(value).replace(";", ",").split(",")
    try:
        days = sorted({int(str(part).strip()) for part in parts if str(part).strip()})
    except ValueError:
        raise _Bad("days_invalid") from None
    if not days or days[0] < 1 or days[-1] > 7:
        raise _Bad("days_invalid")
    return ",".join(str(d) for d in days)


def coerce(spec: Field, value: Any) -> Any:
    """The value as the column stores it, or _Bad saying what is wrong with it."""
    if _blank(value):
        if spec.required:
            raise _Bad("required")
        return list(spec.default) if spec.kind == L.DIMMING else spec.default
    if spec.kind == L.TEXT:
        text = str(value).strip()
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))  # a code typed as a number in a spreadsheet
        if spec.choices:
            text = text.lower()
            if text not in spec.choices:
                raise _Bad("choice_invalid", choices=", ".join(spec.choices))
        if spec.max_length and len(text) > spec.max_length:
            raise _Bad("too_long", max=spec.max_length)
        return text
    if spec.kind in (L.INT, L.FLOAT):
        number = _number(value, spec.kind)
        if spec.ge is not None and number < spec.ge:
            raise _Bad("too_small", min=spec.ge)
        if spec.gt is not None and number <= spec.gt:
            raise _Bad("not_above", min=spec.gt)
        if spec.le is not None and number > spec.le:
            raise _Bad("too_large", max=spec.le)
        return number
    return {L.DATE: _date, L.DATETIME: _datetime, L.TIME: _time, L.DIMMING: _dimming, L.WEEKDAYS: _weekdays}[spec.kind](
        value
    )


# --------------------------------------------------------------------------- geometry


def coerce_geometry(layer: Layer, geometry: BaseGeometry | None, area=SERVICE_AREA) -> BaseGeometry:
    """The geometry as the layer's column stores it: single parts unwrapped, polygons made multi."""
    if geometry is None or geometry.is_empty:
        raise _Bad("geometry_missing")
    if layer.geometry == "MULTIPOLYGON" and isinstance(geometry, Polygon):
        geometry = MultiPolygon([geometry])
    elif isinstance(geometry, MultiPoint | MultiLineString) and len(geometry.geoms) == 1:
        geometry = geometry.geoms[0]  # a one-part multi-geometry, as Shapefiles often write lines
    expected = {"POINT": Point, "LINESTRING": LineString, "MULTIPOLYGON": MultiPolygon}[layer.geometry]
    if not isinstance(geometry, expected):
        raise _Bad("geometry_type", expected=layer.geometry, found=geometry.geom_type.upper())
    if not geometry.is_valid:
        raise _Bad("geometry_invalid", reason=explain_validity(geometry))
    minx, miny, maxx, maxy = geometry.bounds
    if area and (minx < area[0] or miny < area[1] or maxx > area[2] or maxy > area[3]):
        raise _Bad("outside_area", lon=round(geometry.centroid.x, 6), lat=round(geometry.centroid.y, 6))
    return geometry


def _anchor(geometry: BaseGeometry) -> Point:
    """The point whose district a feature belongs to: the point itself, or a line's middle."""
    if isinstance(geometry, LineString):
        return geometry.interpolate(0.5, normalized=True)
    return geometry if isinstance(geometry, Point) else geometry.representative_point()


# --------------------------------------------------------------------------- database look-ups


def _chunks(values: list, size: int = _CHUNK):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _existing(session: Session, layer: Layer, codes: list[str]) -> dict[str, Any]:
    model, key = layer.model, getattr(layer.model, layer.key)
    found = {}
    for chunk in _chunks(sorted(set(codes))):
        found |= {getattr(row, layer.key): row for row in session.scalars(select(model).where(key.in_(chunk)))}
    return found


def _ids_by_code(session: Session, model, codes: Iterable[str]) -> dict[str, int]:
    found = {}
    for chunk in _chunks(sorted(set(codes))):
        found |= dict(session.execute(select(model.code, model.id).where(model.code.in_(chunk))).all())
    return found


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        return as_utc(old) == as_utc(new)
    if isinstance(old, float) or isinstance(new, float):
        return old is not None and new is not None and math.isclose(old, new, rel_tol=0, abs_tol=1e-9)
    return old == new


def _changed(row: Row) -> bool:
    old = row.existing
    if any(not _same(getattr(old, name), value) for name, value in row.values.items()):
        return True
    return not to_shape(old.geom).equals_exact(row.geometry, 1e-9)


# --------------------------------------------------------------------------- check and apply


def check(
    session: Session,
    layer_name: str,
    source: Source,
    mapping: dict[str, str] | None = None,
    *,
    area=SERVICE_AREA,
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """Every problem of every feature, and what each good one would create or update; writes nothing."""
    layer = get_layer(layer_name)
    columns = match_columns(layer, source.columns, mapping or {})
    ignored = tuple(c for c in source.columns if c not in columns.values())
    plan = Plan(layer, source, columns, ignored)
    for spec in layer.fields:
        if spec.required and spec.name not in columns:
            plan.problems.append(Problem(None, spec.name, "column_missing"))
    if plan.problems:
        return plan

    references = {ref.name: ref for ref in layer.references if ref.name in columns}
    wanted: dict[str, set[str]] = {name: set() for name in references}
    rows: list[Row] = []
    seen: dict[str, int] = {}
    tick = progress or (lambda _n: None)
    for feature in source.features:
        row = _check_feature(layer, columns, references, feature, plan.problems, area)
        if row is not None and row.code in seen:
            plan.problems.append(
                Problem(row.number, layer.key, "code_duplicate", row.code, {"first": seen[row.code]}, row.code)
            )
        elif row is not None:
            seen[row.code] = row.number
            rows.append(row)
            for name in references:
                if row.values.get(name):
                    wanted[name].add(row.values[name])
            continue
        tick(1)  # done with a feature that failed; the others count once their references are resolved

    # The database part (references, districts from geometry, stored rows) takes most of the time.
    ids = {name: _ids_by_code(session, ref.model, wanted[name]) for name, ref in references.items()}
    existing = _existing(session, layer, [r.code for r in rows])
    for row in rows:
        if _resolve(session, layer, references, ids, row, plan.problems):
            row.existing = existing.get(row.code)
            row.changed = row.existing is None or _changed(row)
            plan.rows.append(row)
        tick(1)
    plan.problems.sort(key=lambda p: p.feature or 0)  # in file order; stable within a feature
    return plan


def _check_feature(layer, columns, references, feature: SourceFeature, problems, area) -> Row | None:
    props = feature.properties
    code_value = props.get(columns.get(layer.key, ""))
    feature_code = None if _blank(code_value) else str(code_value).strip()
    found: list[Problem] = []
    values: dict[str, Any] = {}
    for spec in layer.fields:
        if spec.name not in columns:
            continue
        raw = props.get(columns[spec.name])
        try:
            values[spec.name] = coerce(spec, raw)
        except _Bad as bad:
            found.append(Problem(feature.number, spec.name, bad.code, raw, bad.params, feature_code))
    for names, rule, code in layer.rules:
        given = all(values.get(name) is not None for name in names)
        if given and not rule(*(values[name] for name in names)):
            found.append(Problem(feature.number, names[-1], code, values[names[-1]], {}, feature_code))
    for name in references:
        raw = props.get(columns[name])
        values[name] = None if _blank(raw) else str(raw).strip()
    try:
        geometry = coerce_geometry(layer, feature.geometry, area)
    except _Bad as bad:
        found.append(Problem(feature.number, "geometry", bad.code, None, bad.params, feature_code))
        geometry = None
    problems.extend(found)
    if found:
        return None
    return Row(feature.number, values[layer.key], values, geometry)


def _resolve(session, layer: Layer, references: dict[str, Reference], ids, row: Row, problems) -> bool:
    """Reference codes become ids; a district not given is the one the geometry lies in."""
    ok = True
    for ref in layer.references:
        code = row.values.pop(ref.name, None)
        if code is not None:
            if code not in ids[ref.name]:
                problems.append(Problem(row.number, ref.name, "reference_unknown", code, {}, row.code))
                ok = False
                continue
            row.values[ref.attribute] = ids[ref.name][code]
        elif ref.from_geometry:
            anchor = _anchor(row.geometry)
            district = district_at(session, anchor.x, anchor.y)
            row.values[ref.attribute] = district.id if district is not None else None
        elif ref.name in references:  # the column is there but empty for this feature: no reference
            row.values[ref.attribute] = None
    return ok


def apply(session: Session, plan: Plan, *, progress: Callable[[int], None] | None = None) -> Plan:
    """Create or update every row of a plan without problems, in the caller's transaction (flushed, not committed)."""
    if plan.problems:
        raise Invalid("import_has_problems", count=len(plan.problems))
    layer = plan.layer
    tick = progress or (lambda _n: None)
    for i, row in enumerate(plan.rows, start=1):
        if row.changed:
            values = dict(row.values)
            target = row.existing
            if target is None:
                target = layer.model(**{layer.key: row.code})
                session.add(target)
            elif layer.before_update is not None:
                layer.before_update(session, target, values)
            for name, value in values.items():
                setattr(target, name, value)
            if hasattr(target, "is_demo"):
                target.is_demo = False  # imported data is the commune's own
            target.geom = from_shape(row.geometry, srid=WGS84)
        tick(1)
        if i % _CHUNK == 0:
            session.flush()
    session.flush()
    return plan
