"""The PNG chunk layout, read by hand: to drop metadata chunks and to check the pixel data
decompresses completely without holding the decoded image in memory."""

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Channels per colour type (greyscale, RGB, palette, grey+alpha, RGBA).
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


@dataclass(frozen=True, slots=True)
class Chunk:
    type: bytes
    start: int  # offset of the length field
    end: int  # offset after the CRC
    data: memoryview


def chunks(data: bytes) -> Iterator[Chunk]:
    """Every chunk up to IEND, CRCs checked; ValueError if the file is cut short or corrupt."""
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG")
    view = memoryview(data)
    position = len(SIGNATURE)
    while True:
        if position + 12 > len(data):
            raise ValueError("PNG cut short before IEND")
        (length,) = struct.unpack_from(">I", data, position)
        end = position + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            raise ValueError("PNG chunk runs past the end")
        kind = bytes(view[position + 4 : position + 8])
        body = view[position + 8 : position + 8 + length]
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(body, zlib.crc32(kind)) != crc:
            raise ValueError(f"PNG chunk {kind!r} has a wrong CRC")
        yield Chunk(kind, position, end, body)
        if kind == b"IEND":
            return
        position = end


# Adam7 passes: first column, first row, column step, row step.
_ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)


def _raw_size(width: int, height: int, bits_per_pixel: int, interlace: int) -> int:
    """Bytes of the decompressed pixel data: every row of every pass has a filter byte."""
    if interlace == 0:
        return height * (1 + (width * bits_per_pixel + 7) // 8)
    total = 0
    for x0, y0, dx, dy in _ADAM7:
        columns = max(0, (width - x0 + dx - 1) // dx)
        rows = max(0, (height - y0 + dy - 1) // dy)
        if columns and rows:
            total += rows * (1 + (columns * bits_per_pixel + 7) // 8)
    return total


def check_pixel_data(data: bytes) -> None:
    """Decompress the IDAT stream in pieces, counting bytes: it must end, and hold exactly
    the rows the header promises. ValueError if not."""
    header: tuple[int, int, int, int, int] | None = None
    inflater = zlib.decompressobj()
    produced = 0
    limit = 0
    for chunk in chunks(data):
        if chunk.type == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunk.data)
            if colour not in _CHANNELS or width == 0 or height == 0:
                raise ValueError("PNG header is invalid")
            header = (width, height, depth, colour, interlace)
            limit = _raw_size(width, height, _CHANNELS[colour] * depth, interlace)
        elif chunk.type == b"IDAT":
            if header is None:
                raise ValueError("IDAT before IHDR")
            pending = bytes(chunk.data)
            while pending:
                produced += len(inflater.decompress(pending, 1 << 20))
                pending = inflater.unconsumed_tail
                if produced > limit:
                    raise ValueError("PNG pixel data is larger than its header says")
    if header is None or not inflater.eof:
        raise ValueError("PNG pixel data is missing or cut short")
    if produced != limit:
        raise ValueError("PNG pixel data does not match its header")


# Text, time and EXIF chunks: where cameras and editors put GPS, owner names and dates.
METADATA_CHUNKS = frozenset({b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"tIME"})


def without_metadata(data: bytes) -> bytes:
    """The same PNG without metadata chunks; pixel chunks are copied byte for byte."""
    kept = [SIGNATURE]
    kept.extend(data[c.start : c.end] for c in chunks(data) if c.type not in METADATA_CHUNKS)
    return b"".join(kept)
