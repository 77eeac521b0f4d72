"""Metadata removed from uploaded images before they are stored: IDs and photos taken with
phones carry GPS positions, device serials and times in EXIF, XMP and PNG text chunks."""

from educert_common.files import jpeg, png
from educert_common.files.inspect import sniff_kind


def strip_image_metadata(data: bytes) -> bytes:
    """`data` without metadata, losslessly: JPEG segments and PNG chunks are dropped, the
    pixel data is copied byte for byte (JPEG keeps its orientation as a one-tag EXIF block).
    A PDF is returned as it is. ValueError for anything else or a malformed image (call it
    after `inspect_file`, which refuses those with a 4xx)."""
    if data.startswith(b"\xff\xd8\xff"):
        return jpeg.without_metadata(data)
    if data.startswith(png.SIGNATURE):
        return png.without_metadata(data)
    if sniff_kind(data) == "pdf":
        return data
    raise ValueError("not a JPEG, PNG or PDF")
