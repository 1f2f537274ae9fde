"""Write a whole layer as GeoJSON or CSV in EPSG:4326, with the columns that `flask gis import` reads back."""

import csv
import json
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import shapely
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.io import layers as L
from gis.io.importing import get_layer
from gis.io.layers import Layer
from services.db import as_utc
from services.errors import Invalid

FORMATS = {".geojson": "geojson", ".json": "geojson", ".csv": "csv"}


def export_format(path: str | Path) -> str:
    found = FORMATS.get(Path(path).suffix.lower())
    if found is None:
        raise Invalid("export_format_unknown", suffix=Path(path).suffix)
    return found


def _text(value: Any, kind: str) -> Any:
    """A value as both formats write it: times and dates in ISO 8601 (UTC for instants)."""
    if value is None:
        return None
    if kind == L.DATETIME and isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M" if not value.second else "%H:%M:%S")
    return value


def records(session: Session, layer: Layer) -> Iterator[tuple[dict[str, Any], BaseGeometry]]:
    """Each row of the layer, by code: its properties as a file carries them, and its geometry."""
    codes = {ref.name: dict(session.execute(select(ref.model.id, ref.model.code)).all()) for ref in layer.references}
    key = getattr(layer.model, layer.key)
    for row in session.scalars(select(layer.model).order_by(key)):
        properties = {spec.name: _text(getattr(row, spec.name), spec.kind) for spec in layer.fields}
        for ref in layer.references:
            properties[ref.name] = codes[ref.name].get(getattr(row, ref.attribute))
        yield properties, to_shape(row.geom)


def _write_geojson(path: Path, layer: Layer, rows) -> int:
    # RFC 7946: longitude and latitude in WGS84, so no "crs" member. One feature a line: big files stay
    # readable and a diff between two exports shows which features changed.
    lines = [
        json.dumps(
            {"type": "Feature", "properties": properties, "geometry": mapping(geometry)},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for properties, geometry in rows
    ]
    head = json.dumps({"type": "FeatureCollection", "name": layer.name})[:-1]
    body = ",\n".join(lines)
    path.write_text(f'{head}, "features": [\n{body}\n]}}\n', encoding="utf-8")
    return len(lines)


def _write_csv(path: Path, layer: Layer, rows) -> int:
    points = layer.geometry == "POINT"
    dimming = {spec.name for spec in layer.fields if spec.kind == L.DIMMING}
    count = 0
    # utf-8-sig: spreadsheet programs then read the Arabic names right.
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow([*layer.columns, *(("lon", "lat") if points else ("wkt",))])
        for properties, geometry in rows:
            cells = [
                json.dumps(value) if name in dimming and value is not None else value
                for name, value in properties.items()
            ]
            where = (
                (repr(geometry.x), repr(geometry.y)) if points else (shapely.to_wkt(geometry, rounding_precision=-1),)
            )
            writer.writerow(["" if cell is None else cell for cell in cells] + list(where))
            count += 1
    return count


def export_layer(session: Session, layer_name: str, path: str | Path) -> int:
    """Write every row of the layer to `path` (.geojson or .csv); returns how many were written."""
    layer = get_layer(layer_name)
    path = Path(path)
    writer = _write_geojson if export_format(path) == "geojson" else _write_csv
    return writer(path, layer, records(session, layer))
