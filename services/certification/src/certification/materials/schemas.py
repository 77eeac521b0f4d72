"""What the materials routes answer."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from certification.materials.models import MaterialVersion
from educert_common.files import MEDIA_TYPES

FileKindName = Literal["pdf", "jpeg", "png"]


class Label(BaseModel):
    en: str
    zh: str


class MaterialVersionOut(BaseModel):
    id: uuid.UUID
    number: int
    kind: FileKindName
    media_type: str
    size: int
    pages: int | None
    width: int | None
    height: int | None
    filename: str
    sha256: str
    uploaded_at: datetime
    # "applicant", or the reviewer's subject (reviewers upload nothing today)
    uploaded_by: str
    # The supplement request item this upload answered, if any.
    supplement_item_id: uuid.UUID | None

    @classmethod
    def of(cls, version: MaterialVersion, applicant: uuid.UUID) -> "MaterialVersionOut":
        return cls(
            id=version.id,
            number=version.number,
            kind=version.kind,  # type: ignore[arg-type]
            media_type=MEDIA_TYPES[version.kind],  # type: ignore[index]
            size=version.size,
            pages=version.pages,
            width=version.width,
            height=version.height,
            filename=version.filename,
            sha256=version.sha256,
            uploaded_at=version.uploaded_at,
            uploaded_by=(
                "applicant" if version.uploaded_by == str(applicant) else version.uploaded_by
            ),
            supplement_item_id=version.supplement_item_id,
        )


class MaterialOut(BaseModel):
    id: uuid.UUID
    slot: str
    created_at: datetime
    # Deleted while a draft (shown to reviewers only).
    removed_at: datetime | None
    # The newest version: what the file is now.
    current: MaterialVersionOut
    # Every upload, oldest first.
    versions: list[MaterialVersionOut]


class SlotOut(BaseModel):
    name: str
    label: Label
    kinds: list[FileKindName]
    max_bytes: int
    max_pages: int | None
    max_files: int
    # Required for this application as its steps stand (e.g. entry-exit pages only when the
    # face check was skipped).
    required: bool
    materials: list[MaterialOut]


class MaterialsOut(BaseModel):
    application_id: uuid.UUID
    slots: list[SlotOut]
    # Required slots with no file: submitting is refused naming each as materials.<slot>.
    missing: list[str]
