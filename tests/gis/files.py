"""Real GIS files for the import tests, written by GDAL (pyogrio) as a desktop GIS would write them."""

import warnings
from datetime import date
from pathlib import Path

import numpy as np
import shapely
from pyogrio import raw
from pyproj import Transformer

DRIVERS = {".geojson": "GeoJSON", ".shp": "ESRI Shapefile", ".gpkg": "GPKG"}
# Morocco's Lambert (Merchich / Nord Maroc): what the commune's surveyors deliver.
LAMBERT = 26191
TO_LAMBERT = Transformer.from_crs(4326, LAMBERT, always_xy=True)
FROM_LAMBERT = Transformer.from_crs(LAMBERT, 4326, always_xy=True)


def to_lambert(geometry):
    return shapely.transform(geometry, TO_LAMBERT.transform, interleaved=False)


def from_lambert(geometry):
    return shapely.transform(geometry, FROM_LAMBERT.transform, interleaved=False)


def _column(values: list):
    present = [v for v in values if v is not None]
    if present and None not in values and all(type(v) is int for v in values):
        return np.array(values, dtype=np.int64)
    if present and all(type(v) in (int, float) for v in present):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    if present and all(isinstance(v, date) for v in present):
        return np.array([np.datetime64("NaT") if v is None else np.datetime64(v, "D") for v in values])
    return np.array(values, dtype=object)


def write(
    path: Path, features: list[tuple[dict, object]], *, crs: str | None = "EPSG:4326", encoding: str = "UTF-8"
) -> Path:
    """Write (properties, shapely geometry) pairs; every feature lists the same properties."""
    columns = list(features[0][0]) if features else []
    fields = [_column([props.get(name) for props, _ in features]) for name in columns]
    geometries = np.array([None if g is None else shapely.to_wkb(g) for _, g in features], dtype=object)
    kinds = {g.geom_type for _, g in features if g is not None}
    geometry_type = kinds.pop() if len(kinds) == 1 else "Unknown"
    with warnings.catch_warnings():
        # A Shapefile cuts long column names, as it does for the surveyors: expected, so not worth a warning.
        warnings.filterwarnings("ignore", "Normalized/laundered field name", RuntimeWarning)
        _write(path, geometries, fields, columns, geometry_type, crs, encoding)
    return path


def _write(path, geometries, fields, columns, geometry_type, crs, encoding):
    raw.write(
        str(path),
        geometries,
        fields,
        columns,
        driver=DRIVERS[path.suffix],
        crs=crs,
        geometry_type=geometry_type,
        encoding=encoding if path.suffix == ".shp" else None,
    )
