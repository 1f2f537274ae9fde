"""Read a GeoJSON, Shapefile, GeoPackage or CSV file with GDAL (pyogrio) into features in EPSG:4326 (pyproj)."""

import codecs
import math
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from gis.spatial import WGS84
from services.errors import Invalid

# CSV files carry their geometry as WKT in one column, or points as two coordinate columns.
_CSV_OPTIONS = {
    "GEOM_POSSIBLE_NAMES": "wkt,geometry,geom",
    "X_POSSIBLE_NAMES": "lon,longitude,x",
    "Y_POSSIBLE_NAMES": "lat,latitude,y",
    "KEEP_GEOM_COLUMNS": "NO",
}


@dataclass(frozen=True)
class SourceFeature:
    number: int  # 1 for the first feature of the file, as people count
    properties: dict[str, Any]
    geometry: BaseGeometry | None  # in EPSG:4326, two dimensions


@dataclass(frozen=True)
class Source:
    columns: tuple[str, ...]
    crs: str  # as the file declares it, or as assumed ("EPSG:4326" for a file that declares none)
    crs_declared: bool
    reprojected: bool
    features: tuple[SourceFeature, ...]


def _crs(user_input) -> CRS:
    try:
        return CRS.from_user_input(user_input)
    except CRSError:
        raise Invalid("import_crs_unknown", crs=str(user_input)[:80]) from None


def _to_wgs84(geometries, source: CRS):
    target = CRS.from_epsg(WGS84)
    if source.equals(target, ignore_axis_order=True):
        return geometries, False
    # always_xy: files give x (easting or longitude) first, whatever the CRS's official axis order says.
    transformer = Transformer.from_crs(source, target, always_xy=True)
    return shapely.transform(geometries, transformer.transform, interleaved=False), True


def _plain(value: Any) -> Any:
    """GDAL's arrays as Python values: a null number comes back as NaN, a null date as None."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime | date | time | str | int | float) or value is None:
        return value
    return value.item() if hasattr(value, "item") else value


def read(
    path: str | Path, *, srid: int | None = None, source_layer: str | None = None, encoding: str | None = None
) -> Source:
    """Every feature of the file, reprojected to EPSG:4326; `srid` is the CRS of a file that declares none.

    `encoding` is the character set of a Shapefile without a .cpg file (cp1256 for one saved by an Arabic Windows).
    """
    # GDAL takes a third of a second to load: only when a file is read, not at each start of the portal.
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    if encoding is not None:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise Invalid("import_encoding_unknown", encoding=encoding) from None
    path = Path(path)
    options = _CSV_OPTIONS if path.suffix.lower() == ".csv" else {}
    try:
        meta, _fids, wkb, arrays = pyogrio.raw.read(
            str(path), layer=source_layer, encoding=encoding, datetime_as_string=True, **options
        )
    except UnicodeDecodeError:
        raise Invalid("import_file_unreadable", detail="its text is not in the character set given") from None
    except (DataSourceError, DataLayerError) as exc:
        raise Invalid("import_file_unreadable", detail=str(exc).splitlines()[0][:200]) from None
    declared = meta.get("crs")
    if declared and srid is not None and not _crs(declared).equals(_crs(srid), ignore_axis_order=True):
        raise Invalid("import_crs_conflict", declared=declared[:80], given=f"EPSG:{srid}")
    source_crs = _crs(declared or f"EPSG:{srid or WGS84}")
    geometries = shapely.force_2d(shapely.from_wkb(wkb))
    geometries, reprojected = _to_wgs84(geometries, source_crs)
    columns = tuple(str(name) for name in meta["fields"])
    values = [array.tolist() for array in arrays]
    features = tuple(
        SourceFeature(
            number=i + 1,
            properties={name: _plain(column[i]) for name, column in zip(columns, values, strict=True)},
            geometry=geometry,
        )
        for i, geometry in enumerate(geometries)
    )
    name = source_crs.to_string() if declared else f"EPSG:{srid or WGS84}"
    return Source(columns, name, bool(declared), reprojected, features)
