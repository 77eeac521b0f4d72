"""Files made on the spot for the file-slot tests: images, PDFs and broken variants."""

import io
import random
import struct
import zlib

from PIL import Image, PngImagePlugin
from reportlab.lib import pdfencrypt
from reportlab.pdfgen import canvas

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def noise_image(size: tuple[int, int] = (640, 480), seed: int = 7) -> Image.Image:
    """An RGB image of pseudo-random pixels: a decoder that drops data shows it."""
    rng = random.Random(seed)
    return Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))


def image_bytes(kind: str, size: tuple[int, int] = (640, 480), **save: object) -> bytes:
    buffer = io.BytesIO()
    noise_image(size).save(buffer, format=kind, **save)
    return buffer.getvalue()


def jpeg_with_gps(orientation: int = 1) -> bytes:
    """A JPEG carrying a GPS position (Shanghai), a camera serial, a comment and an XMP
    block; an orientation too when asked."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0xA431] = "SERIAL-123456"  # BodySerialNumber
    if orientation != 1:
        exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 13.0, 50.0), 3: "E", 4: (121.0, 28.0, 10.0)})
    buffer = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>GPSLatitude 31,13.8N</rdf:RDF></x:xmpmeta>'
    noise_image().save(
        buffer, format="JPEG", quality=90, exif=exif, comment=b"taken at home", xmp=xmp
    )
    # Phones append preview images after EOI; one with its own EXIF must not survive.
    return buffer.getvalue() + b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00GPS-AFTER\xff\xd9"


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "31.2304N 121.4737E")
    info.add_itxt("Author", "张三", lang="zh")
    info.add_text("Comment", "compressed GPS 31.23", zip=True)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    noise_image((300, 200)).save(buffer, format="PNG", pnginfo=info, exif=exif)
    return buffer.getvalue()


def pdf_bytes(pages: int = 2, encrypt: object = None) -> bytes:
    buffer = io.BytesIO()
    document = canvas.Canvas(buffer, encrypt=encrypt)
    for number in range(pages):
        document.drawString(72, 720, f"Page {number + 1}")
        document.showPage()
    document.save()
    return buffer.getvalue()


def encrypted_pdf(user_password: str) -> bytes:
    """Encrypted with reportlab's standard handler; an empty user password opens without
    one but is still encrypted."""
    return pdf_bytes(2, pdfencrypt.StandardEncryption(user_password, ownerPassword="owner"))


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def huge_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid 1-bit PNG of width x height, all black: 400 million pixels in ~50 KB."""
    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


_ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)


def interlaced_png(width: int, height: int) -> bytes:
    """An Adam7-interlaced 8-bit greyscale PNG (Pillow cannot write one), pixels by pass."""
    rows = []
    for x0, y0, dx, dy in _ADAM7:
        pass_width = max(0, (width - x0 + dx - 1) // dx)
        pass_height = max(0, (height - y0 + dy - 1) // dy)
        if pass_width and pass_height:
            for y in range(pass_height):
                rows.append(b"\x00" + bytes((7 * x + 3 * y) % 256 for x in range(pass_width)))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 1)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + _chunk(b"IEND", b"")
    )


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").tobytes()
