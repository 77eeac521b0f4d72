"""Slots: what one named place in a form may hold, declared as data by the service."""

import re
from dataclasses import dataclass
from typing import Literal

from educert_common.errors import Text
from educert_common.storage import UploadPolicy

Kind = Literal["pdf", "jpeg", "png"]
KINDS: frozenset[Kind] = frozenset({"pdf", "jpeg", "png"})
IMAGE_KINDS: frozenset[Kind] = frozenset({"jpeg", "png"})
MEDIA_TYPES: dict[Kind, str] = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
}
EXTENSIONS: dict[Kind, str] = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}

# A slot's name is a field name in the request and in problems: lower snake case.
_SLOT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True, slots=True)
class SlotSpec:
    """One place for files in a form: "passport pages", "degree certificate", "photo".

    A service declares its slots as module-level constants; nothing here is stored.
    """

    name: str
    label_zh: str
    label_en: str
    kinds: frozenset[Kind] = KINDS
    max_bytes: int = 10 * 1024 * 1024
    # Pages of a PDF; None means any number.
    max_pages: int | None = 20
    # (width, height) bounds of an image in pixels; None means no bound.
    min_dimensions: tuple[int, int] | None = None
    max_dimensions: tuple[int, int] | None = (10_000, 10_000)
    required: bool = True
    # Several files for one slot (passport pages, entry-exit pages); 1 for most.
    max_files: int = 1

    def __post_init__(self) -> None:
        if not _SLOT_NAME.match(self.name):
            raise ValueError(f"slot name {self.name!r} is not lower snake case")
        if not self.kinds or not self.kinds <= KINDS:
            raise ValueError(f"slot {self.name}: kinds must be a non-empty subset of {KINDS}")
        if self.max_bytes < 1 or self.max_files < 1:
            raise ValueError(f"slot {self.name}: max_bytes and max_files must be positive")
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError(f"slot {self.name}: max_pages must be positive")

    @property
    def label(self) -> Text:
        return Text(self.label_en, self.label_zh)

    @property
    def media_types(self) -> frozenset[str]:
        return frozenset(MEDIA_TYPES[kind] for kind in self.kinds)

    def field_of(self, position: int | None = None) -> str:
        """The problem field of a file in this slot: `photo`, or `passport_pages.2`."""
        if position is None or self.max_files == 1:
            return self.name
        return f"{self.name}.{position}"

    def upload_policy(self, field: str | None = None) -> UploadPolicy:
        """The policy `FileStorage.put` checks a file of this slot against again."""
        return UploadPolicy(
            allowed_types=self.media_types,
            max_bytes=self.max_bytes,
            min_dimensions=self.min_dimensions,
            max_dimensions=self.max_dimensions,
            field=field or self.name,
        )
