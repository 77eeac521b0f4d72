"""Record photos are stored as upright JPEGs without metadata, whatever came in."""

import io

from PIL import Image

from records.photochecks.service import strip_metadata


def test_a_transparent_png_becomes_a_jpeg_on_white() -> None:
    image = Image.new("RGBA", (120, 160), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    stored = Image.open(io.BytesIO(strip_metadata(out.getvalue())))
    assert stored.format == "JPEG" and stored.size == (120, 160)
    assert min(stored.getpixel((60, 80))) > 245  # type: ignore[arg-type]


def test_exif_is_dropped_and_the_orientation_applied() -> None:
    image = Image.new("RGB", (160, 120), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    stored = Image.open(io.BytesIO(strip_metadata(out.getvalue())))
    assert not stored.getexif() and stored.size == (120, 160)
