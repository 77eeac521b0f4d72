"""Uploads are read with a cap: past it, reading stops and a 413 names the field."""

import hashlib
import io
from collections.abc import AsyncIterator

import pytest
from starlette.datastructures import UploadFile

from educert_common.errors import PayloadTooLarge
from educert_common.files import SlotSpec, accept_upload, read_upload

from .samples import jpeg_with_gps

MB = 1024 * 1024


class CountingStream:
    """A 20 MB body in 1 MB chunks that counts how many were taken."""

    def __init__(self, total: int = 20 * MB, chunk: int = MB) -> None:
        self.total, self.chunk, self.taken = total, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.taken * self.chunk < self.total:
            self.taken += 1
            yield b"\x00" * self.chunk


async def test_a_20_mb_stream_is_refused_after_the_cap_without_reading_the_rest() -> None:
    stream = CountingStream()

    with pytest.raises(PayloadTooLarge) as refused:
        await read_upload(stream, max_bytes=5 * MB, field="transcript")

    assert stream.taken == 6  # five chunks fit, the sixth crosses the cap; 14 never read
    (error,) = refused.value.errors
    assert (error.field, error.code) == ("transcript", "file_too_large")


async def test_a_stream_within_the_cap_is_read_whole() -> None:
    stream = CountingStream(total=3 * MB)

    content = await read_upload(stream, max_bytes=3 * MB)

    assert len(content) == 3 * MB and stream.taken == 3


async def test_an_upload_file_with_a_known_size_is_refused_before_reading() -> None:
    spooled = io.BytesIO(b"\x00" * (20 * MB))
    upload = UploadFile(spooled, size=20 * MB, filename="big.pdf")

    with pytest.raises(PayloadTooLarge):
        await read_upload(upload, max_bytes=5 * MB)

    assert spooled.tell() == 0


async def test_an_upload_file_without_a_size_stops_at_the_cap() -> None:
    spooled = io.BytesIO(b"\x00" * (20 * MB))

    with pytest.raises(PayloadTooLarge):
        await read_upload(UploadFile(spooled, filename="big.pdf"), max_bytes=MB)

    assert spooled.tell() <= MB + 64 * 1024


async def test_an_accepted_upload_is_stripped_described_and_named() -> None:
    slot = SlotSpec("id_card_front", "身份证人像面", "ID card (front)", kinds=frozenset({"jpeg"}))
    upload = UploadFile(io.BytesIO(jpeg_with_gps()), filename="../IMG_0001.JPG")

    accepted = await accept_upload(slot, upload)

    assert b"SERIAL-123456" not in accepted.content
    assert accepted.inspected.size == len(accepted.content)
    assert accepted.filename == "IMG_0001.jpg" and accepted.field == "id_card_front"
    row = accepted.stored("k" * 64)
    assert (row.kind, row.media_type, row.width, row.height) == ("jpeg", "image/jpeg", 640, 480)
    assert row.sha256 == accepted.inspected.sha256 != hashlib.sha256(jpeg_with_gps()).hexdigest()
