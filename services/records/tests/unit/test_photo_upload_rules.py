"""The photo upload rules (records.photos.rules) on generated images: JPEG by content,
exactly 640x480, 102,400 to 204,800 bytes inclusive, metadata stripped without touching the
image data; and the attempt's state machine (records.photos.models.TRANSITIONS)."""

import io
from datetime import UTC, date, datetime

import pytest
from PIL import Image
from starlette.requests import Request

from educert_common.errors import PayloadTooLarge, ValidationFailed
from records.photos import rules
from records.photos.api import MAX_BODY_BYTES, read_photo
from records.photos.exceptions import PhotoAttemptNotInState
from records.photos.models import OPEN_STATES, TRANSITIONS, PhotoAttempt
from records.photos.service import move, review_due_on
from records.testing import photo_jpeg, photo_png

NOW = datetime(2026, 12, 2, 17, 30, tzinfo=UTC)  # 01:30 on 3 December in Beijing


def refused_code(content: bytes) -> str:
    with pytest.raises(ValidationFailed) as caught:
        rules.check_photo(content)
    [error] = caught.value.errors
    assert error.field == "photo"
    return error.code


def test_the_size_band_is_inclusive_at_both_ends() -> None:
    assert rules.MIN_BYTES == 102_400 and rules.MAX_BYTES == 204_800
    for size in (rules.MIN_BYTES, 150_000, rules.MAX_BYTES):
        assert rules.check_photo(photo_jpeg(size)).uploaded_bytes == size
    assert refused_code(photo_jpeg(rules.MIN_BYTES - 1)) == "photo_size"
    assert refused_code(photo_jpeg(rules.MAX_BYTES + 1)) == "photo_size"
    assert refused_code(photo_jpeg(40_000)) == "photo_size"


@pytest.mark.parametrize("dimensions", [(480, 640), (641, 480), (640, 479), (1280, 960)])
def test_only_exactly_640_by_480_pixels(dimensions: tuple[int, int]) -> None:
    assert refused_code(photo_jpeg(150_000, dimensions)) == "photo_dimensions"


def test_a_png_renamed_jpg_and_other_types_are_refused_by_content() -> None:
    assert refused_code(photo_png()) == "photo_not_jpeg"
    gif = io.BytesIO()
    Image.new("RGB", (640, 480)).save(gif, format="GIF")
    assert refused_code(gif.getvalue()) == "photo_not_jpeg"
    assert refused_code(b"%PDF-1.4\n" + b" " * 150_000) == "photo_not_jpeg"


def test_a_truncated_jpeg_is_unreadable() -> None:
    content = photo_jpeg(150_000)
    # Keep the padding and headers, lose the end of the scan: the size is still in the band.
    broken = content[:-3000] + b"\x00" * 3000
    assert refused_code(broken) in ("photo_unreadable",)


def test_exif_and_comments_are_stripped_without_recompressing() -> None:
    content = photo_jpeg(150_000, exif=True)
    with Image.open(io.BytesIO(content)) as before:
        assert before.getexif()[0x010F] == "SpyCam Inc."
        pixels_before = before.tobytes()
    stored = rules.check_photo(content).content
    assert b"Exif\x00\x00" not in stored and b"SpyCam" not in stored
    assert b"\xff\xfe" not in stored[:200]  # the padding comments went too
    with Image.open(io.BytesIO(stored)) as after:
        assert after.format == "JPEG" and after.size == (640, 480)
        assert not after.getexif() and "exif" not in after.info
        # Lossless: the decoded pixels are the same, and the scan is copied byte for byte.
        assert after.tobytes() == pixels_before
    scan = content.index(b"\xff\xda")
    assert stored.endswith(content[scan:])


def test_transitions_are_the_documented_ones_and_one_place_enforces_them() -> None:
    assert TRANSITIONS["awaiting_payment"] == {"paid", "cancelled"}
    assert TRANSITIONS["in_review"] == {"approved", "rejected"}
    for closed in ("approved", "rejected", "registry_failed", "cancelled"):
        assert not TRANSITIONS[closed] and closed not in OPEN_STATES
    attempt = PhotoAttempt(status="awaiting_payment")
    # Unpaid: never reviewed, never checked with the registry.
    for refused in ("in_review", "approved", "registry_checking"):
        with pytest.raises(PhotoAttemptNotInState):
            move(attempt, refused, NOW)
    move(attempt, "paid", NOW)
    move(attempt, "registry_checking", NOW)
    move(attempt, "in_review", NOW)
    assert attempt.status == "in_review" and attempt.updated_at == NOW
    move(attempt, "rejected", NOW)
    with pytest.raises(PhotoAttemptNotInState):
        move(attempt, "approved", NOW)


def test_the_review_date_counts_calendar_days_from_the_day_in_beijing() -> None:
    assert review_due_on(NOW, 10) == date(2026, 12, 13)
    assert review_due_on(datetime(2026, 12, 2, 10, tzinfo=UTC), 7) == date(2026, 12, 9)


async def test_a_20_mb_body_is_refused_after_the_cap_without_reading_it_all() -> None:
    """The upload route reads its body as a stream: a 20 MB body sent without a length is
    refused (413 naming `photo`) once the cap is passed, having pulled only that much."""
    chunk = 64 * 1024
    total = 20 * 1024 * 1024
    pulled = 0
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; '
        'filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    ).encode()

    async def receive() -> dict[str, object]:
        nonlocal pulled
        if pulled == 0:
            pulled += len(head)
            return {"type": "http.request", "body": head, "more_body": True}
        pulled += chunk
        return {"type": "http.request", "body": b"\xff" * chunk, "more_body": pulled < total}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(b"content-type", f"multipart/form-data; boundary={boundary}".encode())],
    }
    with pytest.raises(PayloadTooLarge) as caught:
        await read_photo(Request(scope, receive))
    assert [e.field for e in caught.value.errors] == ["photo"]
    assert MAX_BODY_BYTES < pulled <= MAX_BODY_BYTES + chunk + len(head)

    declared = {
        **scope,
        "headers": [*scope["headers"], (b"content-length", str(total).encode())],  # type: ignore[list-item]
    }
    pulled = 0
    with pytest.raises(PayloadTooLarge):
        await read_photo(Request(declared, receive))
    assert pulled == 0  # refused on the declared length before reading a byte
