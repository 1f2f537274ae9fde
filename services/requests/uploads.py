"""Attachments: the type is read from the content, images are re-encoded, files kept under random names.

Re-encoding an image drops everything but its pixels: EXIF, GPS position,
camera serial numbers, comments. PDFs are rewritten page by page, which drops
their metadata, scripts and automatic actions.
"""

import hashlib
import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from services.errors import Invalid

MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
MAX_IMAGE_SIDE = 2560
MAX_IMAGE_PIXELS = 50_000_000  # a larger image is refused rather than decoded (decompression bombs)
MAX_PDF_PAGES = 50


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class CheckedFile:
    media_type: str
    data: bytes
    original_name: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    return None


def _safe_name(filename: str, media_type: str) -> str:
    stem = Path(filename or "").stem
    stem = re.sub(r"[^\w\- ]+", "", stem, flags=re.UNICODE).strip()[:80] or "file"
    return f"{stem}.{EXTENSIONS[media_type]}"


def _reencode_image(data: bytes, kind: str, field: str) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ("JPEG", "PNG") or probe.width * probe.height > MAX_IMAGE_PIXELS:
                    raise Invalid("file_unreadable", field=field)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF tag gave
                image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
                out = io.BytesIO()
                if kind == "jpeg":
                    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
                else:
                    if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                        image = image.convert("RGBA")
                    image.save(out, "PNG", optimize=True)
                return out.getvalue()
    except Invalid:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning):
        raise Invalid("file_unreadable", field=field) from None


def _rewrite_pdf(data: bytes, field: str) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Invalid("file_encrypted", field=field)
        if not 1 <= len(reader.pages) <= MAX_PDF_PAGES:
            raise Invalid("file_unreadable", field=field)
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except Invalid:
        raise
    except (PdfReadError, OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise Invalid("file_unreadable", field=field) from None


def check_file(upload: Upload, *, allowed: tuple[str, ...], max_bytes: int, field: str) -> CheckedFile:
    """A clean copy of an upload, or Invalid saying why it is refused."""
    if not upload.data:
        raise Invalid("file_empty", field=field)
    if len(upload.data) > max_bytes:
        raise Invalid("file_too_large", field=field, max_mb=max_bytes // (1024 * 1024))
    kind = _sniff(upload.data)
    if kind is None or kind not in allowed:
        raise Invalid("file_type_not_allowed", field=field, types=", ".join(k.upper() for k in allowed))
    data = _rewrite_pdf(upload.data, field) if kind == "pdf" else _reencode_image(upload.data, kind, field)
    media_type = MEDIA_TYPES[kind]
    return CheckedFile(media_type=media_type, data=data, original_name=_safe_name(upload.filename, media_type))


class FileStore:
    """Files on disk under random names, outside anything a web server serves."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not re.fullmatch(r"[A-Za-z0-9_-]{20,80}", key):
            raise ValueError("bad storage key")
        return self.root / key[:2] / key

    def save(self, data: bytes) -> str:
        """Writes the file durably and returns its key."""
        key = secrets.token_urlsafe(24)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_suffix(".part")
        with open(temporary, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
        return key

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).exists()
