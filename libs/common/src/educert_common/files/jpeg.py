"""The JPEG marker layout, read by hand to drop metadata segments without recompressing."""

import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image

SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
_SOS = 0xDA
_APP0, _APP1, _APP2, _APP14, _COM = 0xE0, 0xE1, 0xE2, 0xEE, 0xFE
_ORIENTATION = 0x0112


@dataclass(frozen=True, slots=True)
class Segment:
    marker: int
    raw: bytes  # the whole segment: FF, marker, length and payload (or scan data)


def segments(data: bytes) -> Iterator[Segment]:
    """Every marker segment from SOI to the first EOI; scan data rides with its SOS.
    Bytes after EOI (phones append preview images there, with their own EXIF) are not read.
    ValueError if the file is cut short or not laid out as a JPEG."""
    if not data.startswith(SOI):
        raise ValueError("not a JPEG")
    position = 2
    size = len(data)
    while True:
        # Stray bytes between segments: decoders skip them (libjpeg warns), so do we.
        found = data.find(b"\xff", position)
        if found < 0:
            raise ValueError("JPEG marker expected")
        position = found
        while position < size and data[position] == 0xFF:  # fill bytes
            position += 1
        if position >= size:
            raise ValueError("JPEG cut short")
        marker = data[position]
        start = position - 1
        position += 1
        if marker == 0xD9:
            yield Segment(marker, EOI)
            return
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # no length
            yield Segment(marker, data[start:position])
            continue
        if position + 2 > size:
            raise ValueError("JPEG cut short")
        (length,) = struct.unpack_from(">H", data, position)
        if length < 2 or position + length > size:
            raise ValueError("JPEG segment runs past the end")
        position += length
        if marker == _SOS:
            position = _end_of_scan(data, position)
        yield Segment(marker, b"\xff" + bytes([marker]) + data[start + 2 : position])


def _end_of_scan(data: bytes, position: int) -> int:
    """Where the entropy-coded data after an SOS header ends: the next real marker."""
    while True:
        found = data.find(b"\xff", position)
        if found < 0 or found + 1 >= len(data):
            raise ValueError("JPEG scan data cut short")
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            position = found + 1 if following == 0xFF else found + 2
            continue
        return found


def _keeps(segment: Segment) -> bool:
    marker = segment.marker
    payload = segment.raw[4:]
    if marker == _APP2:
        return payload.startswith(b"ICC_PROFILE\x00")  # colours; MPF points past EOI
    if marker == _APP14:
        return payload.startswith(b"Adobe")  # tells decoders how CMYK/YCCK was stored
    if marker == _APP0:
        return payload.startswith(b"JFIF\x00")
    return not (0xE1 <= marker <= 0xEF or marker == _COM)


def _orientation(data: bytes) -> int:
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as image:
            value = image.getexif().get(_ORIENTATION, 1)
    except Exception:  # an unreadable EXIF block is dropped like any other
        return 1
    return value if isinstance(value, int) and 2 <= value <= 8 else 1


def _orientation_segment(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[_ORIENTATION] = orientation
    payload = exif.tobytes()  # b"Exif\0\0" + a TIFF block with the one tag
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def without_metadata(data: bytes) -> bytes:
    """The same JPEG without EXIF, XMP, IPTC, comments and appended images. Scan data is
    copied byte for byte, so pixels decode identically; EXIF orientation alone is kept (a new
    one-tag EXIF block), so an upright photo stays upright."""
    kept = [segment.raw for segment in segments(data) if _keeps(segment)]
    orientation = _orientation(data)
    if orientation != 1:
        # EXIF goes first, or right after a JFIF header.
        at = 1 if kept and kept[0].startswith(b"\xff\xe0") else 0
        kept.insert(at, _orientation_segment(orientation))
    return SOI + b"".join(kept)
