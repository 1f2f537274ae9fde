import io

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from services.errors import Invalid
from services.requests.uploads import Upload, check_file

MB = 1024 * 1024


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (34.0, 55.0, 12.0), 3: "W", 4: (2.0, 19.0, 30.0)}  # GPS position
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(out, "PNG")
    return out.getvalue()


def pdf(author: str = "Someone", encrypt: bool = False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": author})
    if encrypt:
        writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def check(data: bytes, name: str = "photo.jpg", allowed=("jpeg", "png", "pdf"), max_bytes=8 * MB):
    return check_file(Upload(name, data), allowed=allowed, max_bytes=max_bytes, field="photo")


def test_photos_lose_their_exif_and_gps_position():
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif()
    clean = check(original)
    assert clean.media_type == "image/jpeg"
    reopened = Image.open(io.BytesIO(clean.data))
    assert not reopened.getexif()
    assert b"PhoneMaker" not in clean.data
    assert reopened.size == (64, 48)


def test_the_type_comes_from_the_content_not_the_name():
    clean = check(png(), name="scan.pdf")
    assert clean.media_type == "image/png"
    assert clean.original_name == "scan.png"


def test_a_renamed_program_is_refused():
    with pytest.raises(Invalid) as refused:
        check(b"MZ\x90\x00 this is not a photo", name="photo.jpg")
    assert refused.value.code == "file_type_not_allowed"


def test_a_type_the_field_does_not_take_is_refused():
    with pytest.raises(Invalid) as refused:
        check(pdf(), name="photo.pdf", allowed=("jpeg", "png"))
    assert refused.value.code == "file_type_not_allowed"


def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(Invalid) as refused:
        check(jpeg_with_gps(), max_bytes=100)
    assert refused.value.code == "file_too_large"


def test_a_truncated_photo_is_refused():
    with pytest.raises(Invalid) as refused:
        check(jpeg_with_gps()[:200])
    assert refused.value.code == "file_unreadable"


def test_pdfs_are_rewritten_without_their_metadata():
    clean = check(pdf(author="Private Name"), name="acte.pdf")
    assert clean.media_type == "application/pdf"
    assert b"Private Name" not in clean.data
    assert len(PdfReader(io.BytesIO(clean.data)).pages) == 1


def test_an_encrypted_pdf_is_refused():
    with pytest.raises(Invalid) as refused:
        check(pdf(encrypt=True), name="acte.pdf")
    assert refused.value.code == "file_encrypted"


def test_an_empty_file_is_refused():
    with pytest.raises(Invalid) as refused:
        check(b"", name="x.jpg")
    assert refused.value.code == "file_empty"


def test_a_name_with_a_path_is_cleaned():
    assert check(png(), name="../../etc/passwd.png").original_name == "passwd.png"
