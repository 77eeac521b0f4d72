"""Files are known by their content (magic bytes and a real parse); slots refuse with a
machine code naming the field, and the right 4xx."""

import zlib

import pytest

from educert_common.errors import (
    DomainError,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from educert_common.files import SlotSpec, check_against, check_count, inspect_file

from .samples import encrypted_pdf, huge_png, image_bytes, interlaced_png, pdf_bytes, pixels

DEGREE = SlotSpec("degree_certificate", "学位证书", "Degree certificate", max_pages=2)
PHOTO = SlotSpec(
    "photo",
    "照片",
    "Photo",
    kinds=frozenset({"jpeg", "png"}),
    max_bytes=2_000_000,
    min_dimensions=(300, 400),
    max_dimensions=(2000, 2000),
)
PASSPORT = SlotSpec("passport_pages", "护照页", "Passport pages", max_files=4)


def refusal(error: pytest.ExceptionInfo[DomainError]) -> tuple[int, str, str]:
    (field_error,) = error.value.errors
    return error.value.status, field_error.field, field_error.code


def test_a_pdf_is_described_with_its_pages_and_hash() -> None:
    data = pdf_bytes(pages=3)

    inspected = inspect_file(data, "transcript.pdf")

    assert (inspected.kind, inspected.pages, inspected.size) == ("pdf", 3, len(data))
    assert inspected.media_type == "application/pdf"
    assert len(inspected.sha256) == 64 and inspected.width is None


@pytest.mark.parametrize(("kind", "name"), [("JPEG", "jpeg"), ("PNG", "png")])
def test_an_image_is_described_with_its_dimensions(kind: str, name: str) -> None:
    inspected = inspect_file(image_bytes(kind, (640, 480)))

    assert (inspected.kind, inspected.width, inspected.height, inspected.pages) == (
        name,
        640,
        480,
        None,
    )


def test_an_encrypted_pdf_is_refused_even_without_a_user_password() -> None:
    for data in (encrypted_pdf("secret"), encrypted_pdf("")):
        with pytest.raises(ValidationFailed) as refused:
            inspect_file(data, field="passport_pages.0")
        assert refusal(refused) == (422, "passport_pages.0", "file_encrypted")


@pytest.mark.parametrize(
    "data",
    [
        pdf_bytes(3)[: len(pdf_bytes(3)) // 2],  # cut in half
        pdf_bytes(3)[:-40],  # lost its trailer
        b"%PDF-1.7\n" + b"\x00garbage" * 100,
        image_bytes("JPEG")[:20_000],  # cut short
        image_bytes("PNG")[:50_000],
    ],
    ids=["pdf-half", "pdf-no-trailer", "pdf-garbage", "jpeg-cut", "png-cut"],
)
def test_a_damaged_file_is_unreadable(data: bytes) -> None:
    with pytest.raises(ValidationFailed) as refused:
        inspect_file(data, field="transcript")

    assert refusal(refused) == (422, "transcript", "file_unreadable")


def test_a_png_whose_pixel_data_is_corrupt_but_checksummed_is_unreadable() -> None:
    data = bytearray(image_bytes("PNG", (64, 64)))
    start = data.index(b"IDAT") + 4
    length = int.from_bytes(data[start - 8 : start - 4], "big")
    data[start + 10 : start + 20] = b"\xff" * 10
    crc = zlib.crc32(bytes(data[start - 4 : start + length]))
    data[start + length : start + length + 4] = crc.to_bytes(4, "big")

    with pytest.raises(ValidationFailed) as refused:
        inspect_file(bytes(data))

    assert refusal(refused)[2] == "file_unreadable"


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = huge_png(20_000, 20_000)  # 400 MP in ~50 KB: Pillow's own bomb error
    below_pillow_limit = huge_png(8_000, 8_000)  # 64 MP: over our 50 MP cap

    for data in (bomb, below_pillow_limit):
        with pytest.raises(ValidationFailed) as refused:
            inspect_file(data, field="photo")
        assert refusal(refused) == (422, "photo", "image_too_large")


def test_content_that_is_none_of_the_kinds_is_415() -> None:
    junk_first = b"junk\n" + pdf_bytes(1)  # storage would refuse it: so does the slot
    for data in (b"GIF89a" + b"\x00" * 100, b"PK\x03\x04 a docx", b"just text", junk_first):
        with pytest.raises(UnsupportedMediaType) as refused:
            inspect_file(data, "scan.pdf", field="transcript")
        assert refusal(refused) == (415, "transcript", "file_type_not_allowed")


def test_the_slot_refuses_each_way_with_its_code() -> None:
    png = inspect_file(image_bytes("PNG", (640, 480)))
    small = inspect_file(image_bytes("JPEG", (200, 300)))
    long_pdf = inspect_file(pdf_bytes(3))
    big = inspect_file(image_bytes("PNG", (1200, 900)))  # noise: ~3 MB

    cases = [
        (PHOTO, long_pdf, "a.pdf", 415, "file_type_not_allowed"),
        (PHOTO, png, "photo.jpg", 422, "file_name_mismatch"),
        (PHOTO, png, "photo.HEIC", 422, "file_name_mismatch"),
        (PHOTO, small, "photo.jpg", 422, "image_too_small"),
        (PHOTO, big, "photo.png", 413, "file_too_large"),
        (DEGREE, long_pdf, "degree.pdf", 422, "too_many_pages"),
    ]
    for slot, inspected, name, status, code in cases:
        with pytest.raises(DomainError) as refused:
            check_against(slot, inspected, name)
        assert refusal(refused) == (status, slot.name, code), (name, code)
    with pytest.raises(PayloadTooLarge):
        check_against(PHOTO, big, "photo.png", field="photo")


def test_the_slot_takes_files_whose_name_claims_nothing_or_the_right_kind() -> None:
    png = inspect_file(image_bytes("PNG", (640, 480)))

    for name in (None, "photo", "photo.PNG", "张三.证件照.png", "C:\\Users\\me\\photo.png"):
        check_against(PHOTO, png, name)
    check_against(DEGREE, inspect_file(pdf_bytes(2)), "degree.pdf")


def test_the_number_of_files_of_a_slot_is_checked() -> None:
    check_count(PASSPORT, 4)
    with pytest.raises(ValidationFailed) as too_many:
        check_count(PASSPORT, 5)
    with pytest.raises(ValidationFailed) as missing:
        check_count(PASSPORT, 0)
    optional = SlotSpec("translation", "翻译件", "Translation", required=False)
    check_count(optional, 0)

    assert refusal(too_many) == (422, "passport_pages", "too_many_files")
    assert refusal(missing) == (422, "passport_pages", "file_required")


def test_a_slot_declaration_is_checked_when_declared() -> None:
    with pytest.raises(ValueError, match="subset"):
        SlotSpec("photo", "照片", "Photo", kinds=frozenset({"gif"}))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="snake case"):
        SlotSpec("Passport Pages", "护照页", "Passport pages")

    assert PASSPORT.field_of(2) == "passport_pages.2"
    assert PHOTO.field_of(0) == "photo"
    assert PHOTO.upload_policy().allowed_types == {"image/jpeg", "image/png"}


@pytest.mark.parametrize("size", [(1, 1), (3, 2), (37, 61), (640, 480)])
def test_an_interlaced_png_is_read_and_one_a_byte_short_is_not(size: tuple[int, int]) -> None:
    data = interlaced_png(*size)
    assert len(pixels(data)) == size[0] * size[1] * 3  # Pillow decodes it: a valid file

    assert (inspect_file(data).width, inspect_file(data).height) == size
    header = data[: data.index(b"IDAT") - 4]
    cut = zlib.decompress(data[data.index(b"IDAT") + 4 : -16])[:-1]
    body = zlib.compress(cut)
    broken = (
        header
        + len(body).to_bytes(4, "big")
        + b"IDAT"
        + body
        + zlib.crc32(b"IDAT" + body).to_bytes(4, "big")
        + data[-12:]
    )
    with pytest.raises(ValidationFailed):
        inspect_file(broken)
