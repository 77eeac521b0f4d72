"""Reading uploads with a cap, and the whole path from an upload to bytes ready to store."""

import asyncio
import dataclasses
import hashlib
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass

from starlette.datastructures import UploadFile

from educert_common.errors import DomainError
from educert_common.files.download import safe_filename
from educert_common.files.errors import refuse
from educert_common.files.inspect import InspectedFile, check_against, check_count, inspect_file
from educert_common.files.metadata import strip_image_metadata
from educert_common.files.slots import IMAGE_KINDS, Kind, SlotSpec

CHUNK_BYTES = 64 * 1024

ByteStream = AsyncIterable[bytes]


def _too_large(field: str, max_bytes: int) -> DomainError:
    megabytes = f"{max_bytes / (1024 * 1024):g} MB"
    return refuse(
        field,
        "file_too_large",
        f"The file is larger than {megabytes}",
        f"文件超过 {megabytes}",
    )


async def _chunks_of(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK_BYTES):
        yield chunk


async def read_upload(
    upload: UploadFile | ByteStream, *, max_bytes: int, field: str = "file"
) -> bytes:
    """The upload's bytes, read in chunks; past `max_bytes` it stops reading and raises 413
    (`file_too_large`, naming `field`), so at most `max_bytes` + one chunk is held."""
    if isinstance(upload, UploadFile):
        # The multipart parser already spooled it (to disk past 1 MB) and knows its size.
        if upload.size is not None and upload.size > max_bytes:
            raise _too_large(field, max_bytes)
        chunks: ByteStream = _chunks_of(upload)
    else:
        chunks = upload
    buffer = bytearray()
    async for chunk in chunks:
        if len(buffer) + len(chunk) > max_bytes:
            raise _too_large(field, max_bytes)
        buffer += chunk
    return bytes(buffer)


@dataclass(frozen=True, slots=True)
class SlotUploadResult:
    """One stored file of a slot: what a service persists as a version row."""

    key: str  # the FileStorage key
    sha256: str
    kind: Kind
    media_type: str
    size: int
    pages: int | None
    width: int | None
    height: int | None
    filename: str  # sanitised, ends in the content's extension


@dataclass(frozen=True, slots=True)
class AcceptedFile:
    """An upload a slot took: the bytes to store (metadata stripped) and their description."""

    content: bytes
    inspected: InspectedFile  # of `content`, after stripping
    filename: str  # sanitised
    field: str

    def stored(self, key: str) -> SlotUploadResult:
        """The version row's values once `content` is stored under `key`."""
        i = self.inspected
        return SlotUploadResult(
            key, i.sha256, i.kind, i.media_type, i.size, i.pages, i.width, i.height, self.filename
        )


def accept_bytes(
    slot: SlotSpec, data: bytes, filename: str | None, *, field: str | None = None
) -> AcceptedFile:
    """Inspect `data`, check it against `slot` and strip image metadata; 4xx naming `field`
    (default the slot's name) if refused. CPU-bound: `accept_upload` runs it in a thread."""
    field = field or slot.name
    inspected = inspect_file(data, filename, field=field)
    check_against(slot, inspected, filename, field=field)
    content = data
    if inspected.kind in IMAGE_KINDS:
        try:
            content = strip_image_metadata(data)
        except ValueError as exc:  # Pillow read it but the segment walk cannot: still a 4xx
            raise refuse(
                field,
                "file_unreadable",
                "The file is damaged or cannot be read",
                "文件已损坏或无法读取",
            ) from exc
        # What is stored is described: its hash and size, not the upload's.
        inspected = dataclasses.replace(
            inspected, sha256=hashlib.sha256(content).hexdigest(), size=len(content)
        )
    return AcceptedFile(content, inspected, safe_filename(filename, inspected.kind), field)


async def accept_upload(
    slot: SlotSpec, upload: UploadFile | ByteStream, *, position: int | None = None
) -> AcceptedFile:
    """Read (capped at the slot's max_bytes), inspect, check and strip one upload of `slot`.
    Problems name `slot.name`, or `slot.name.<position>` in a slot of several files."""
    field = slot.field_of(position)
    data = await read_upload(upload, max_bytes=slot.max_bytes, field=field)
    filename = upload.filename if isinstance(upload, UploadFile) else None
    return await asyncio.to_thread(accept_bytes, slot, data, filename, field=field)


async def accept_slot(slot: SlotSpec, uploads: Sequence[UploadFile] | None) -> list[AcceptedFile]:
    """Every upload of one slot, after checking their number; nothing is stored here, so a
    service checks all its slots before storing any file."""
    uploads = list(uploads or [])
    check_count(slot, len(uploads))
    return [await accept_upload(slot, upload, position=i) for i, upload in enumerate(uploads)]
