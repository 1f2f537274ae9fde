"""Typed form fields of a service, stored as JSON in its version and checked here."""

import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from services.errors import Invalid, collect


class FieldType(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    YES_NO = "yes_no"
    FILE = "file"
    LOCATION = "location"


FILE_TYPES = ("jpeg", "png", "pdf")
MAX_FILE_MB = 10
MAX_FILES = 5
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Choice:
    value: str
    ar: str
    fr: str


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: FieldType
    label_ar: str
    label_fr: str
    help_ar: str = ""
    help_fr: str = ""
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    choices: tuple[Choice, ...] = field(default_factory=tuple)
    file_types: tuple[str, ...] = FILE_TYPES
    max_size_mb: int = MAX_FILE_MB
    max_files: int = 1

    def to_json(self) -> dict:
        data = asdict(self)
        data["type"] = self.type.value
        data["choices"] = [asdict(c) for c in self.choices]
        data["file_types"] = list(self.file_types)
        return {k: v for k, v in data.items() if v not in (None, "", [], ())}


def _choice(raw, where: dict) -> Choice:
    """One allowed answer: a value and its label in both languages, none of them empty."""
    if not isinstance(raw, dict):
        raise Invalid("field_choice_incomplete", field="fields", **where)
    choice = Choice(*(str(raw.get(k) or "").strip() for k in ("value", "ar", "fr")))
    if not (choice.value and choice.ar and choice.fr):
        raise Invalid("field_choice_incomplete", field="fields", **where)
    return choice


def _whole(value, code: str, where: dict) -> int:
    # A limit that is not a whole number is refused like one out of range, never a crash.
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Invalid(code, field="fields", **where)
    try:
        return int(value)
    except ValueError:
        raise Invalid(code, field="fields", **where) from None


def _field(raw: dict, index: int) -> FieldDef:
    where = {"position": index + 1}
    if not isinstance(raw, dict):
        raise Invalid("field_malformed", field="fields", **where)
    name = str(raw.get("name", ""))
    if not _NAME.fullmatch(name):
        raise Invalid("field_name_invalid", field="fields", **where)
    try:
        kind = FieldType(raw.get("type"))
    except ValueError:
        raise Invalid("field_type_unknown", field="fields", **where) from None
    label_ar, label_fr = (str(raw.get(k, "")).strip() for k in ("label_ar", "label_fr"))
    if not label_ar or not label_fr:
        raise Invalid("field_label_required", field="fields", **where)
    choices = tuple(_choice(c, where) for c in raw.get("choices") or [])
    if kind is FieldType.CHOICE and (len(choices) < 2 or len({c.value for c in choices}) != len(choices)):
        raise Invalid("field_choices_required", field="fields", **where)
    pattern = raw.get("pattern") or None
    if pattern:
        try:
            re.compile(pattern)
        except re.error:
            raise Invalid("field_pattern_invalid", field="fields", **where) from None
    definition = FieldDef(
        name=name,
        type=kind,
        label_ar=label_ar,
        label_fr=label_fr,
        help_ar=str(raw.get("help_ar", "")).strip(),
        help_fr=str(raw.get("help_fr", "")).strip(),
        required=bool(raw.get("required", False)),
        min_length=raw.get("min_length"),
        max_length=raw.get("max_length"),
        min=raw.get("min"),
        max=raw.get("max"),
        pattern=pattern,
        choices=choices,
        file_types=tuple(raw.get("file_types", FILE_TYPES)),
        max_size_mb=_whole(raw.get("max_size_mb", MAX_FILE_MB), "field_file_limits_invalid", where),
        max_files=_whole(raw.get("max_files", 1), "field_file_limits_invalid", where),
    )
    _check_ranges(definition, where)
    return definition


def _check_ranges(d: FieldDef, where: dict) -> None:
    lengths = [v for v in (d.min_length, d.max_length) if v is not None]
    if any(not isinstance(v, int) or v < 0 for v in lengths) or (
        d.min_length is not None and d.max_length is not None and d.min_length > d.max_length
    ):
        raise Invalid("field_range_invalid", field="fields", **where)
    bounds = [v for v in (d.min, d.max) if v is not None]
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in bounds):
        raise Invalid("field_range_invalid", field="fields", **where)
    if d.min is not None and d.max is not None and d.min > d.max:
        raise Invalid("field_range_invalid", field="fields", **where)
    if not set(d.file_types) <= set(FILE_TYPES) or not d.file_types:
        raise Invalid("field_file_types_invalid", field="fields", **where)
    if not (1 <= d.max_size_mb <= MAX_FILE_MB) or not (1 <= d.max_files <= MAX_FILES):
        raise Invalid("field_file_limits_invalid", field="fields", **where)


def parse_fields(raw: list) -> list[FieldDef]:
    """Field definitions from their JSON form; one Invalid listing every bad field."""
    if not isinstance(raw, list):
        raise Invalid("field_malformed", field="fields", position=1)
    parsed = collect(**{f"f{i}": (lambda r=r, i=i: _field(r, i)) for i, r in enumerate(raw)})
    fields = list(parsed.values())
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise Invalid("field_name_duplicate", field="fields")
    return fields
