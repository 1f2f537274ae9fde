"""The real GTFS feeds of shared/data, small broken copies of them made in the tests, and the network as rows to
compare before and after."""

import io
import zipfile
from pathlib import Path

import numpy as np
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from gis.transport.models import Agency, Calendar, CalendarDate, Frequency, Route, Shape, Stop, StopTime, Trip

ROOT = Path(__file__).resolve().parents[3]
GTFS = ROOT.parent / "shared" / "data" / "gtfs"
CAIRNS = GTFS / "cairns_gtfs.zip"
SAMPLE = GTFS / "sample_gtfs.zip"


def files(source: Path | bytes) -> dict[str, str]:
    """The text of each file of a zip."""
    data = source if isinstance(source, bytes) else source.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}


def rezip(contents: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in contents.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def edited(source: Path, **changes) -> bytes:
    """A copy of the feed with files replaced (file_txt="..."), or dropped (file_txt=None)."""
    contents = files(source)
    for key, text in changes.items():
        name = key.removesuffix("_txt") + ".txt"
        if text is None:
            contents.pop(name)
        else:
            contents[name] = text
    return rezip(contents)


def replace_line(source: Path, name: str, old: str, new: str) -> bytes:
    """A copy of the feed with one line of one file changed (`old` must be a whole line of it)."""
    contents = files(source)
    lines = contents[name].splitlines()
    assert old in lines, f"{old!r} is not a line of {name}"
    lines[lines.index(old)] = new
    contents[name] = "\n".join(lines) + "\n"
    return rezip(contents)


MODELS = (Agency, Stop, Route, Shape, Trip, StopTime, Frequency, Calendar, CalendarDate)
NATURAL_KEYS = {m.__tablename__: m for m in (Agency, Stop, Route, Shape, Trip)}


def _coords(geometry):
    if geometry is None:
        return None
    shape = to_shape(geometry)
    parts = shape.geoms if hasattr(shape, "geoms") else [shape]
    return [np.asarray(part.coords) for part in parts]


def snapshot(db) -> dict[str, list[dict]]:
    """Every transport row, integer keys replaced by the GTFS ids they stand for, geometries as coordinates."""
    db.session.expire_all()
    names = {
        table: dict(db.session.execute(select(model.id, getattr(model, table.removeprefix("transit_") + "_id"))).all())
        for table, model in NATURAL_KEYS.items()
    }
    found = {}
    for model in MODELS:
        table = model.__table__
        references = {
            c.name: names[next(iter(c.foreign_keys)).column.table.name] for c in table.columns if c.foreign_keys
        }
        rows = []
        for record in db.session.execute(select(table)).mappings():
            row = {k: v for k, v in record.items() if k != "id"}
            for name, known in references.items():
                row[name] = known.get(row[name])
            if "geom" in row:
                row["geom"] = _coords(row["geom"])
            rows.append(row)
        found[table.name] = sorted(rows, key=lambda r: repr({k: v for k, v in r.items() if k != "geom"}))
    return found


def assert_same_network(before: dict, after: dict) -> None:
    for table, rows in before.items():
        assert len(after[table]) == len(rows), table
        for old, new in zip(rows, after[table], strict=True):
            assert {k: v for k, v in old.items() if k != "geom"} == {k: v for k, v in new.items() if k != "geom"}
            if "geom" in old:
                assert (old["geom"] is None) == (new["geom"] is None), (table, old)
                for a, b in zip(old["geom"] or [], new["geom"] or [], strict=True):
                    assert a.shape == b.shape and np.allclose(a, b, rtol=0, atol=1e-7), (table, old)
