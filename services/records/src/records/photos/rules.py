"""The rules a student's record photo must meet (学历照片), judged by content, never by name.

- JPEG (the bytes start with the JPEG SOI marker and Pillow decodes them as JPEG): a PNG
  renamed .jpg is refused.
- Exactly 640x480 pixels (width x height as the guide writes it: "640*480 像素").
- 100-200 KB of upload: from MIN_BYTES = 100 * 1024 = 102,400 to MAX_BYTES = 200 * 1024 =
  204,800 bytes, both inclusive, measured on the file as uploaded.
- Metadata stripped before storage without recompressing, by the shared file checks
  (`educert_common.files.strip_image_metadata`: EXIF, XMP, comments and thumbnails go, the
  compressed image data is copied byte for byte).

Not a scan of paper: no automatic rule. A near-white border or a text-like histogram would
also catch genuine photos on a light background, so reviewers judge it (docs/records.md).
"""

from dataclasses import dataclass

from educert_common.errors import DomainError, FieldError, Text, ValidationFailed
from educert_common.files import inspect_file, strip_image_metadata

FIELD = "photo"
WIDTH, HEIGHT = 640, 480
MIN_BYTES = 100 * 1024
MAX_BYTES = 200 * 1024
JPEG_SOI = b"\xff\xd8\xff"


@dataclass(frozen=True)
class CheckedPhoto:
    """An accepted photo: what is stored (metadata stripped) and what came in."""

    content: bytes
    uploaded_bytes: int


def refuse(code: str, en: str, zh: str) -> ValidationFailed:
    message = Text(en, zh)
    return ValidationFailed(message, errors=[FieldError(FIELD, code, message)])


def check_photo(content: bytes) -> CheckedPhoto:
    """Check an uploaded photo; return it without metadata, or raise 422 naming `photo`."""
    size = len(content)
    if not content.startswith(JPEG_SOI):
        raise refuse(
            "photo_not_jpeg",
            "The photo must be a JPEG file (judged by its content, not its name)",
            "照片须为 JPG 格式（按文件内容判断，而非文件名）",
        )
    if size < MIN_BYTES or size > MAX_BYTES:
        raise refuse(
            "photo_size",
            f"The photo must be {MIN_BYTES} to {MAX_BYTES} bytes (100-200 KB), not {size}",
            f"照片大小须为 {MIN_BYTES} 至 {MAX_BYTES} 字节（100-200 KB），实为 {size}",
        )
    # The shared file checks parse it for real (a truncated or corrupt JPEG is refused here,
    # not by a reviewer) and drop its metadata losslessly.
    try:
        inspected = inspect_file(content, field=FIELD)
        if inspected.kind != "jpeg":
            raise refuse("photo_not_jpeg", "The photo must be a JPEG file", "照片须为 JPG 格式")
        stripped = strip_image_metadata(content)
    except DomainError as refused:
        if refused.status == 422 and refused.errors and refused.errors[0].code == "photo_not_jpeg":
            raise
        raise refuse(
            "photo_unreadable", "The photo cannot be read as a JPEG", "照片无法读取"
        ) from refused
    except ValueError as error:
        raise refuse(
            "photo_unreadable", "The photo cannot be read as a JPEG", "照片无法读取"
        ) from error
    if (inspected.width, inspected.height) != (WIDTH, HEIGHT):
        raise refuse(
            "photo_dimensions",
            f"The photo must be {WIDTH}x{HEIGHT} pixels, not {inspected.width}x{inspected.height}",
            f"照片须为 {WIDTH}x{HEIGHT} 像素，实为 {inspected.width}x{inspected.height}",
        )
    return CheckedPhoto(stripped, size)
