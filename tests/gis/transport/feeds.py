"""The real GTFS feeds of shared/data, and small broken copies of them made in the tests."""

import io
import zipfile
from pathlib import Path

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
