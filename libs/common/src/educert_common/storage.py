"""Uploaded files: checked by content (never by name), stored under their SHA-256.

`FileStorage` is the interface services use; `LocalFileStorage` keeps files in a directory
(development, tests, a single machine or a shared volume). An object-store implementation
would satisfy the same protocol.
"""

import asyncio
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import filetype
from PIL import Image, UnidentifiedImageError

from educert_common.errors import (
    FieldError,
    NotFound,
    PayloadTooLarge,
    Text,
    UnsupportedMediaType,
    ValidationFailed,
)

IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
DOCUMENT_TYPES = IMAGE_TYPES | {"application/pdf"}


@dataclass(frozen=True, slots=True)
class UploadPolicy:
    """What a particular upload may be: types (by content), size and image dimensions."""

    allowed_types: frozenset[str] = DOCUMENT_TYPES
    max_bytes: int = 10 * 1024 * 1024
    min_bytes: int = 1
    # (width, height) bounds for images; None means any.
    min_dimensions: tuple[int, int] | None = None
    max_dimensions: tuple[int, int] | None = (10_000, 10_000)
    exact_dimensions: tuple[int, int] | None = None
    field: str = "file"


@dataclass(frozen=True, slots=True)
class StoredFile:
    key: str  # SHA-256 of the content, hex
    size: int
    media_type: str
    width: int | None = None
    height: int | None = None
    extension: str = field(default="bin")


def _refuse(policy: UploadPolicy, code: str, message: Text) -> ValidationFailed:
    return ValidationFailed(message, errors=[FieldError(policy.field, code, message)])


def inspect_upload(content: bytes, policy: UploadPolicy) -> StoredFile:
    """Check `content` against `policy` and describe it; raise a 4xx domain error if refused."""
    if len(content) > policy.max_bytes:
        message = Text(
            f"The file is larger than {policy.max_bytes} bytes",
            f"文件超过 {policy.max_bytes} 字节",
        )
        raise PayloadTooLarge(message, errors=[FieldError(policy.field, "file_too_large", message)])
    if len(content) < policy.min_bytes:
        raise _refuse(
            policy,
            "file_too_small",
            Text(f"The file is smaller than {policy.min_bytes} bytes", "文件过小"),
        )
    kind = filetype.guess(content)
    if kind is None or kind.mime not in policy.allowed_types:
        allowed = ", ".join(sorted(policy.allowed_types))
        message = Text(f"The file's content is not one of: {allowed}", f"文件类型须为:{allowed}")
        raise UnsupportedMediaType(
            message, errors=[FieldError(policy.field, "file_type_not_allowed", message)]
        )
    width = height = None
    if kind.mime in IMAGE_TYPES:
        width, height = _image_size(content, policy)
    digest = hashlib.sha256(content).hexdigest()
    return StoredFile(digest, len(content), kind.mime, width, height, kind.extension)


def _image_size(content: bytes, policy: UploadPolicy) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
            if policy.max_dimensions and (
                width > policy.max_dimensions[0] or height > policy.max_dimensions[1]
            ):
                raise _refuse(
                    policy,
                    "image_too_large",
                    Text(f"The image is {width}x{height}, larger than allowed", "图片尺寸过大"),
                )
            image.verify()  # catches truncated and corrupt files
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise _refuse(
            policy, "image_unreadable", Text("The image cannot be read", "图片无法读取")
        ) from exc
    if policy.exact_dimensions and (width, height) != policy.exact_dimensions:
        expected = "x".join(map(str, policy.exact_dimensions))
        raise _refuse(
            policy,
            "image_dimensions",
            Text(
                f"The image must be {expected} pixels, not {width}x{height}",
                f"图片须为 {expected} 像素,实为 {width}x{height}",
            ),
        )
    if policy.min_dimensions and (
        width < policy.min_dimensions[0] or height < policy.min_dimensions[1]
    ):
        raise _refuse(
            policy, "image_too_small", Text(f"The image is only {width}x{height}", "图片尺寸过小")
        )
    return width, height


class FileStorage(Protocol):
    async def put(self, content: bytes, policy: UploadPolicy) -> StoredFile:
        """Check and store `content`; storing the same bytes twice keeps one copy."""
        ...

    async def read(self, key: str) -> bytes:
        """Return the bytes stored under `key`, or raise NotFound."""
        ...

    async def exists(self, key: str) -> bool: ...


class LocalFileStorage:
    """Content-addressed files in a directory: <root>/<k[0:2]>/<k[2:4]>/<key>."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise NotFound(Text("No such file", "文件不存在"))
        return self.root / key[:2] / key[2:4] / key

    async def put(self, content: bytes, policy: UploadPolicy) -> StoredFile:
        stored = inspect_upload(content, policy)
        await asyncio.to_thread(self._write, stored.key, content)
        return stored

    def _write(self, key: str, content: bytes) -> None:
        path = self._path(key)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)

    async def read(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise NotFound(Text("No such file", "文件不存在")) from None

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).exists)
