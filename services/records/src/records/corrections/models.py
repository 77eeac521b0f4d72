"""Correction requests: a student asks the institution to correct fields of a record.

The proposed values are kept as JSON, except a proposed ID number, which is sealed like the
record's own (AES-GCM, records' personal-data key ring). At most one request per record is
open at a time (a partial unique index). Evidence files live in file storage (content-
addressed); the rows here say which files belong to which request.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from records.base import Base


class Correction(Base):
    __tablename__ = "corrections"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[uuid.UUID] = mapped_column()
    institution_id: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[uuid.UUID] = mapped_column()
    # open, accepted, rejected
    status: Mapped[str] = mapped_column(String(10), default="open")
    fields: Mapped[list[str]] = mapped_column(JSONB)
    # Proposed values by field (no ID number: see below); a field may have none (photo, or a
    # request opened by a photo check, where the institution supplies the value).
    proposed: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    proposed_id_number_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    note: Mapped[str | None] = mapped_column(String(1000))
    # "student" (filed by hand) or "photo_check" (opened by a "wrong" conclusion).
    origin: Mapped[str] = mapped_column(String(12), default="student")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    # The record version an accepted request produced (None: nothing to change, e.g. photo).
    applied_version: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index(
            "uq_corrections_one_open_per_record",
            "kind",
            "record_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_corrections_institution_queue", "institution_id", "status", "created_at"),
        Index("ix_corrections_user_id", "user_id"),
    )


class CorrectionEvidence(Base):
    __tablename__ = "correction_evidence"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    correction_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("corrections.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    file_key: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
