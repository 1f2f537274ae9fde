"""Checks a citizen's answers against the typed fields of a service version."""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from gis import assets
from gis.assets import Asset
from gis.districts.models import District
from gis.districts.queries import district_at
from services.catalog.forms import FieldDef, FieldType
from services.errors import Invalid, collect
from services.requests.uploads import CheckedFile, Upload, check_file

# Arabic-Indic and Persian digits are read as the same numbers.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫", "01234567890123456789.")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
DEFAULT_MAX_LENGTH = {FieldType.TEXT: 200, FieldType.TEXTAREA: 4000}
ADDRESS_MAX = 300
YES, NO = "yes", "no"
# Location sub-inputs travel as "<field>__district", "<field>__address", "<field>__lat", "<field>__lon",
# and, for services about an asset, "<field>__asset" (the reference code on the pole or the container).
LOCATION_PARTS = ("district", "address", "lat", "lon", "asset")


def part(name: str, sub: str) -> str:
    return f"{name}__{sub}"


@dataclass(frozen=True)
class Location:
    district_id: int
    address: str
    lon: float | None = None
    lat: float | None = None
    asset_ref: str | None = None

    def to_json(self) -> dict:
        return {
            "district_id": self.district_id,
            "address": self.address,
            "lon": self.lon,
            "lat": self.lat,
            "asset_ref": self.asset_ref,
        }


@dataclass
class CleanAnswers:
    answers: dict = field(default_factory=dict)
    files: dict[str, list[CheckedFile]] = field(default_factory=dict)
    location: Location | None = None


def _text(f: FieldDef, raw: str) -> str | None:
    value = (raw or "").replace("\r\n", "\n")
    if _CONTROL.search(value):
        raise Invalid("answer_invalid_characters", field=f.name)
    value = value.strip() if f.type is FieldType.TEXTAREA else " ".join(value.split())
    if not value:
        if f.required:
            raise Invalid("answer_required", field=f.name)
        return None
    if f.min_length is not None and len(value) < f.min_length:
        raise Invalid("answer_too_short", field=f.name, min=f.min_length)
    limit = f.max_length if f.max_length is not None else DEFAULT_MAX_LENGTH[f.type]
    if len(value) > limit:
        raise Invalid("answer_too_long", field=f.name, max=limit)
    if f.pattern and not re.fullmatch(f.pattern, value):
        raise Invalid("answer_pattern", field=f.name)
    return value


def _number(f: FieldDef, raw: str) -> str | None:
    text = (raw or "").strip().translate(_DIGITS).replace(" ", "").replace("\u00a0", "")
    if not text:
        if f.required:
            raise Invalid("answer_required", field=f.name)
        return None
    text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise Invalid("number_invalid", field=f.name) from None
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise Invalid("number_invalid", field=f.name)
    if f.min is not None and number < Decimal(str(f.min)):
        raise Invalid("number_too_small", field=f.name, min=f.min)
    if f.max is not None and number > Decimal(str(f.max)):
        raise Invalid("number_too_large", field=f.name, max=f.max)
    return format(number.normalize(), "f")


def _date(f: FieldDef, raw: str) -> str | None:
    text = (raw or "").strip().translate(_DIGITS)
    if not text:
        if f.required:
            raise Invalid("answer_required", field=f.name)
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise Invalid("date_invalid", field=f.name) from None
    if not 1900 <= value.year <= 2100 or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise Invalid("date_invalid", field=f.name)
    return value.isoformat()


def _choice(f: FieldDef, raw: str) -> str | None:
    value = (raw or "").strip()
    if not value:
        if f.required:
            raise Invalid("choice_required", field=f.name)
        return None
    if value not in {c.value for c in f.choices}:
        raise Invalid("choice_invalid", field=f.name)
    return value


def _yes_no(f: FieldDef, raw: str) -> bool | None:
    value = (raw or "").strip()
    if not value:
        if f.required:
            raise Invalid("choice_required", field=f.name)
        return None
    if value not in (YES, NO):
        raise Invalid("choice_invalid", field=f.name)
    return value == YES


def _files(f: FieldDef, uploads: list[Upload]) -> list[CheckedFile]:
    uploads = [u for u in uploads if u.filename or u.data]
    if not uploads:
        if f.required:
            raise Invalid("file_required", field=f.name)
        return []
    if len(uploads) > f.max_files:
        raise Invalid("too_many_files", field=f.name, max=f.max_files)
    max_bytes = f.max_size_mb * 1024 * 1024
    return [check_file(u, allowed=tuple(f.file_types), max_bytes=max_bytes, field=f.name) for u in uploads]


def _coordinate(raw: str, low: float, high: float) -> float | None:
    text = (raw or "").strip().translate(_DIGITS)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return float("nan")
    return value if low <= value <= high else float("nan")


def _asset(session: Session, f: FieldDef, layer: str | None, values: dict[str, str], lon, lat) -> Asset | None:
    """The asset the report is about: typed by its code, or the nearest within 50 m of the clicked point."""
    code = assets.normalise_code(values.get(part(f.name, "asset")) or "")
    if layer is None or layer not in assets.LAYERS:
        return None
    if code:
        found = assets.find(session, layer, code)
        if found is None:
            raise Invalid("asset_unknown", field=part(f.name, "asset"))
        return found
    if lon is not None and lat is not None and lon == lon and lat == lat:
        return assets.nearest(session, layer, lon, lat)
    return None


def _location(session: Session, f: FieldDef, values: dict[str, str], layer: str | None = None) -> Location | None:
    district_raw = (values.get(part(f.name, "district")) or "").strip()
    address = " ".join((values.get(part(f.name, "address")) or "").split())
    lon = _coordinate(values.get(part(f.name, "lon")), -180, 180)
    lat = _coordinate(values.get(part(f.name, "lat")), -90, 90)
    asset = _asset(session, f, layer, values, lon, lat)
    if asset is not None:
        # The asset's surveyed position is more precise than a click; its code stands in for an address.
        lon, lat = asset.lon, asset.lat
        address = address or asset.code
    if not (district_raw or address or lon is not None or lat is not None):
        if f.required:
            raise Invalid("location_required", field=part(f.name, "district"))
        return None

    def district() -> District:
        if asset is not None and asset.district_id is not None:
            return session.get(District, asset.district_id)
        if lon is not None or lat is not None:
            if lon is None or lat is None or lon != lon or lat != lat:  # NaN: not a number or out of range
                raise Invalid("location_invalid", field=part(f.name, "district"))
            found = district_at(session, lon, lat)
            if found is None:
                raise Invalid("location_outside_commune", field=part(f.name, "district"))
            return found  # the map's point is more precise than the list
        if not district_raw:
            raise Invalid("district_required", field=part(f.name, "district"))
        found = session.get(District, int(district_raw)) if district_raw.isdigit() else None
        if found is None:
            raise Invalid("district_unknown", field=part(f.name, "district"))
        return found

    def checked_address() -> str:
        if _CONTROL.search(address):
            raise Invalid("answer_invalid_characters", field=part(f.name, "address"))
        if len(address) < 3:
            raise Invalid("address_required", field=part(f.name, "address"))
        if len(address) > ADDRESS_MAX:
            raise Invalid("answer_too_long", field=part(f.name, "address"), max=ADDRESS_MAX)
        return address

    clean = collect(district=district, address=checked_address)
    return Location(clean["district"].id, clean["address"], lon, lat, asset.code if asset is not None else None)


def check_answers(
    session: Session,
    fields: list[FieldDef],
    values: dict[str, str],
    files: dict[str, list[Upload]],
    *,
    asset_layer: str | None = None,
) -> CleanAnswers:
    """Every field checked; one Invalid listing each wrong field, or the clean answers."""
    checks = {}
    for f in fields:
        raw = values.get(f.name, "")
        if f.type in (FieldType.TEXT, FieldType.TEXTAREA):
            checks[f.name] = lambda f=f, raw=raw: _text(f, raw)
        elif f.type is FieldType.NUMBER:
            checks[f.name] = lambda f=f, raw=raw: _number(f, raw)
        elif f.type is FieldType.DATE:
            checks[f.name] = lambda f=f, raw=raw: _date(f, raw)
        elif f.type is FieldType.CHOICE:
            checks[f.name] = lambda f=f, raw=raw: _choice(f, raw)
        elif f.type is FieldType.YES_NO:
            checks[f.name] = lambda f=f, raw=raw: _yes_no(f, raw)
        elif f.type is FieldType.FILE:
            checks[f.name] = lambda f=f: _files(f, files.get(f.name, []))
        elif f.type is FieldType.LOCATION:
            checks[f.name] = lambda f=f: _location(session, f, values, asset_layer)
    results = collect(**checks)

    clean = CleanAnswers()
    for f in fields:
        value = results[f.name]
        if f.type is FieldType.FILE:
            if value:
                clean.files[f.name] = value
        elif f.type is FieldType.LOCATION:
            if value is not None:
                clean.location = clean.location or value
                clean.answers[f.name] = value.to_json()
        elif value is not None:
            clean.answers[f.name] = value
    return clean
