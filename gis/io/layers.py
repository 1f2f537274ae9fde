"""The map layers that files can fill: for each, its table, geometry, fields with their rules, and references.

A file names a feature by its `code` (the reference painted on a pole or a bin), which is how a
second import finds the row to update. References to other layers are given by their codes too
(a light's `cabinet` column holds the cabinet's code); a missing `district` is found from the geometry.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Session

from gis.districts.models import District
from gis.lighting import upkeep
from gis.lighting.models import Cabinet, LampTechnology, LightPoint, LightStatus, Street
from gis.sanitation.models import CollectionRoute, CollectionZone, ContainerKind, Depot, WasteContainer

# A box of about 27 km by 27 km around Berkane. It does not draw the commune's legal limits: it catches
# coordinates read in the wrong system (Lambert metres taken for degrees) or with longitude and latitude swapped.
SERVICE_AREA = (-2.47, 34.80, -2.17, 35.04)

TEXT, INT, FLOAT, DATE, DATETIME, TIME, DIMMING, WEEKDAYS = (
    "text",
    "int",
    "float",
    "date",
    "datetime",
    "time",
    "dimming",
    "weekdays",
)


@dataclass(frozen=True)
class Field:
    """One attribute a file may carry; `default` fills a new row whose file leaves it out or empty."""

    name: str
    kind: str = TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    ge: float | None = None  # greater than or equal
    gt: float | None = None  # strictly greater
    le: float | None = None  # less than or equal
    default: Any = None
    max_length: int | None = None  # taken from the column when not given


@dataclass(frozen=True)
class Reference:
    """A column of the file holding another layer's code; stored as that row's id in `attribute`."""

    name: str
    attribute: str
    model: type
    # Districts are found from the geometry when the file does not name one.
    from_geometry: bool = False


@dataclass(frozen=True)
class Layer:
    name: str
    model: type
    geometry: str  # POINT, LINESTRING or MULTIPOLYGON, as the column declares it
    fields: tuple[Field, ...]
    references: tuple[Reference, ...] = ()
    key: str = "code"
    # Cross-field rules: (fields involved, check returning True when the values are fine, problem code).
    rules: tuple[tuple[tuple[str, ...], Callable[..., bool], str], ...] = ()
    # Called before an existing row takes new values (may take some of them over, e.g. a light's status).
    before_update: Callable[[Session, Any, dict], None] | None = None
    columns: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        table = self.model.__table__
        sized = []
        for f in self.fields:
            column_type = table.c[f.name].type
            if f.kind == TEXT and f.max_length is None and isinstance(column_type, String):
                f = replace(f, max_length=column_type.length)
            sized.append(f)
        object.__setattr__(self, "fields", tuple(sized))
        object.__setattr__(self, "columns", tuple(f.name for f in self.fields) + tuple(r.name for r in self.references))

    def field_named(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def _code() -> Field:
    return Field("code", required=True)


def _names() -> tuple[Field, ...]:
    return Field("name_ar", required=True), Field("name_fr", required=True)


def _district() -> Reference:
    return Reference("district", "district_id", District, from_geometry=True)


def _values(enum_cls) -> tuple[str, ...]:
    return tuple(member.value for member in enum_cls)


def _light_status(session: Session, light: LightPoint, values: dict) -> None:
    """A new status from a file is an inspection on record: it goes through the light's upkeep history."""
    status = values.pop("status", None)
    if status is not None and status != light.status:
        upkeep.set_status(session, light.code, status, actor_id=None)


LAYERS: dict[str, Layer] = {
    layer.name: layer
    for layer in (
        Layer(
            "districts",
            District,
            "MULTIPOLYGON",
            (_code(), *_names(), Field("population", INT, ge=0, default=0)),
        ),
        Layer("streets", Street, "LINESTRING", (_code(), *_names()), (_district(),)),
        Layer(
            "cabinets",
            Cabinet,
            "POINT",
            (_code(), Field("meter_number"), Field("dimming", DIMMING, default=())),
            (_district(),),
        ),
        Layer(
            "lights",
            LightPoint,
            "POINT",
            (
                _code(),
                Field("technology", required=True, choices=_values(LampTechnology)),
                Field("power_w", INT, required=True, gt=0, le=2000),
                Field("pole_height_m", FLOAT, gt=0, le=40),
                Field("installed_on", DATE),
                Field("status", choices=_values(LightStatus), default=LightStatus.WORKING.value),
            ),
            (
                Reference("cabinet", "cabinet_id", Cabinet),
                Reference("street", "street_id", Street),
                _district(),
            ),
            before_update=_light_status,
        ),
        Layer(
            "containers",
            WasteContainer,
            "POINT",
            (
                _code(),
                Field("kind", choices=_values(ContainerKind), default=ContainerKind.HOUSEHOLD.value),
                Field("capacity_l", INT, required=True, gt=0, le=40000),
                Field("fill_level", INT, ge=0, le=100),
                Field("fill_read_at", DATETIME),
            ),
            (_district(),),
        ),
        Layer(
            "zones",
            CollectionZone,
            "MULTIPOLYGON",
            (
                _code(),
                *_names(),
                Field("contractor", required=True),
                Field("days", WEEKDAYS, required=True),
                Field("start_time", TIME, required=True),
                Field("end_time", TIME, required=True),
            ),
            rules=((("start_time", "end_time"), lambda start, end: start < end, "hours_ordered"),),
        ),
        Layer(
            "routes",
            CollectionRoute,
            "LINESTRING",
            (_code(), *_names()),
            (Reference("zone", "zone_id", CollectionZone),),
        ),
        Layer("depots", Depot, "POINT", (_code(), *_names())),
    )
}
