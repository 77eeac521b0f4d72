"""Application materials: one row per file position in a slot, and one version per upload to
it (nothing uploaded is ever overwritten; the newest version is the file's current content)."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from certification.base import Base
from educert_common.db import UtcDateTime, utcnow


class Material(Base):
    """One file of a slot (a slot of several files has several): its versions hold the bytes."""

    __tablename__ = "materials"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"))
    slot: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Deleted by the applicant while a draft: no longer counts, its versions stay on record.
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index(
            "ix_materials_current",
            "application_id",
            "slot",
            postgresql_where=text("removed_at IS NULL"),
        ),
    )


class MaterialVersion(Base):
    """One upload of a material: where its bytes are (content-addressed) and what they are."""

    __tablename__ = "material_versions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    material_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("materials.id"))
    # 1, 2, ... per material; the highest is the current one.
    number: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    # pdf, jpeg, png: judged by content, never by the name.
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(BigInteger)
    pages: Mapped[int | None] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    # The uploader's name made safe, ending in the content's extension.
    filename: Mapped[str] = mapped_column(String(120))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    # The supplement request item this upload answered (after submission), if any.
    supplement_item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("supplement_items.id"), index=True
    )

    __table_args__ = (UniqueConstraint("material_id", "number"),)
