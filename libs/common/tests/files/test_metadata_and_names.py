"""Image metadata (GPS above all) is dropped without touching pixels; download names and
headers cannot smuggle paths, controls or header syntax."""

import io
from email.message import Message
from urllib.parse import unquote

import pytest
from PIL import Image

from educert_common.errors import ValidationFailed
from educert_common.files import (
    SlotSpec,
    accept_bytes,
    download_headers,
    inspect_file,
    safe_filename,
    strip_image_metadata,
)

from .samples import (
    GPS_IFD,
    ORIENTATION,
    image_bytes,
    jpeg_with_gps,
    pdf_bytes,
    pixels,
    png_with_text,
)


def test_a_jpeg_loses_gps_and_every_other_metadata_but_keeps_its_pixels() -> None:
    original = jpeg_with_gps()

    stripped = strip_image_metadata(original)

    with Image.open(io.BytesIO(stripped)) as image:
        assert not image.getexif().get_ifd(GPS_IFD)
        assert len(image.getexif()) == 0
        assert "xmp" not in image.info and "comment" not in image.info
    for marker in (b"SERIAL-123456", b"PhoneMaker", b"GPSLatitude", b"taken at home", b"GPS-AFTER"):
        assert marker in original and marker not in stripped
    assert pixels(stripped) == pixels(original)
    assert stripped.endswith(b"\xff\xd9")
    inspect_file(stripped)  # still a readable JPEG


def test_a_jpeg_keeps_only_its_orientation() -> None:
    original = jpeg_with_gps(orientation=6)

    stripped = strip_image_metadata(original)

    with Image.open(io.BytesIO(stripped)) as image:
        exif = image.getexif()
        assert dict(exif) == {ORIENTATION: 6}
        assert not exif.get_ifd(GPS_IFD)
    assert pixels(stripped) == pixels(original)


def test_a_jpeg_without_metadata_and_a_progressive_one_survive_unchanged_in_pixels() -> None:
    for original in (image_bytes("JPEG"), image_bytes("JPEG", progressive=True, quality=80)):
        stripped = strip_image_metadata(original)
        assert pixels(stripped) == pixels(original)
        assert len(stripped) <= len(original)


def test_stray_bytes_between_jpeg_segments_are_skipped_as_decoders_do() -> None:
    original = jpeg_with_gps()
    after_app0 = 4 + int.from_bytes(original[4:6], "big")
    junk = original[:after_app0] + b"\x00\x11junk" + original[after_app0:]

    stripped = strip_image_metadata(junk)

    assert b"junk" not in stripped and b"SERIAL-123456" not in stripped
    assert pixels(stripped) == pixels(original)


def test_a_jpeg_without_its_end_is_refused_by_both_readers_not_a_500() -> None:
    slot = SlotSpec("photo", "照片", "Photo")
    cut = image_bytes("JPEG")[:-2] + b"\x00\x00"

    with pytest.raises(ValueError, match="cut short"):
        strip_image_metadata(cut)
    with pytest.raises(ValidationFailed) as refused:
        accept_bytes(slot, cut, "photo.jpg")

    assert [(e.field, e.code) for e in refused.value.errors] == [("photo", "file_unreadable")]


def test_a_png_loses_text_and_exif_chunks_but_keeps_its_pixels() -> None:
    original = png_with_text()

    stripped = strip_image_metadata(original)

    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"eXIf"):
        assert chunk in original and chunk not in stripped
    with Image.open(io.BytesIO(stripped)) as image:
        assert not {"Location", "Author", "Comment", "exif"} & set(image.info)
    assert pixels(stripped) == pixels(original)
    inspect_file(stripped)


def test_a_pdf_is_left_as_it_is_and_anything_else_is_refused() -> None:
    document = pdf_bytes(1)

    assert strip_image_metadata(document) == document
    with pytest.raises(ValueError, match="not a JPEG"):
        strip_image_metadata(b"GIF89a....")


@pytest.mark.parametrize(
    ("given", "kind", "expected"),
    [
        ("学位证书.pdf", "pdf", "学位证书.pdf"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("C:\\Users\\张三\\护照 第1页.JPG", "jpeg", "护照 第1页.jpg"),
        ("photo.png", "jpeg", "photo.jpg"),  # the content decides the extension
        ("invoice\u202egpj.exe", "png", "invoicegpj.exe.png"),  # bidi override dropped
        ('a"b<c>\r\nd.pdf', "pdf", "a_b_c_d.pdf"),
        ("   ...   ", "png", "file.png"),
        (None, "pdf", "file.pdf"),
        ("x" * 300 + ".pdf", "pdf", "x" * 100 + ".pdf"),
    ],
)
def test_file_names_are_made_safe(given: str | None, kind: str, expected: str) -> None:
    assert safe_filename(given, kind) == expected  # type: ignore[arg-type]


def test_download_headers_carry_an_ascii_name_and_the_utf8_one() -> None:
    headers = download_headers('张三 "学位" 证书.pdf', "pdf")

    assert headers["Content-Type"] == "application/pdf"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "private, no-store"
    disposition = headers["Content-Disposition"]
    assert disposition.isascii() and "\r" not in disposition and "\n" not in disposition
    message = Message()
    message["Content-Disposition"] = disposition
    assert message.get_content_disposition() == "attachment"
    # The fallback for old clients: ASCII only, here nothing was left of the name.
    assert message.get_param("filename", header="content-disposition") == "file.pdf"
    star = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(star) == "张三 _学位_ 证书.pdf"  # what RFC 6266 clients show
    assert 'filename="Jose.pdf"' in download_headers("José.pdf", "pdf")["Content-Disposition"]
    mixed = download_headers("Zhang San 学位证书.PDF", "pdf")["Content-Disposition"]
    assert 'filename="Zhang San ____.pdf"' in mixed
    assert download_headers("scan.png", "png", inline=True)["Content-Disposition"].startswith(
        'inline; filename="scan.png"'
    )
