"""File slots: the named places for files in a form (passport pages, diploma scan, photo),
declared as data, and the checks every upload to one goes through.

A service declares `SlotSpec`s; a route reads each upload with `accept_upload` (capped read,
content inspection, slot check, metadata stripped) and stores `AcceptedFile.content` with
`FileStorage.put(content, slot.upload_policy())`; `AcceptedFile.stored(key)` gives the row to
persist as a version. Downloads answer with `download_headers`.
"""

from educert_common.files.download import ascii_filename, download_headers, safe_filename
from educert_common.files.inspect import (
    MAX_PIXELS,
    InspectedFile,
    check_against,
    check_count,
    claimed_kind,
    inspect_file,
    sniff_kind,
)
from educert_common.files.metadata import strip_image_metadata
from educert_common.files.slots import IMAGE_KINDS, KINDS, MEDIA_TYPES, Kind, SlotSpec
from educert_common.files.upload import (
    AcceptedFile,
    ByteStream,
    SlotUploadResult,
    accept_bytes,
    accept_slot,
    accept_upload,
    read_upload,
)

__all__ = [
    "IMAGE_KINDS",
    "KINDS",
    "MAX_PIXELS",
    "MEDIA_TYPES",
    "AcceptedFile",
    "ByteStream",
    "InspectedFile",
    "Kind",
    "SlotSpec",
    "SlotUploadResult",
    "accept_bytes",
    "accept_slot",
    "accept_upload",
    "ascii_filename",
    "check_against",
    "check_count",
    "claimed_kind",
    "download_headers",
    "inspect_file",
    "read_upload",
    "safe_filename",
    "sniff_kind",
    "strip_image_metadata",
]
