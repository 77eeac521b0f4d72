"""Photo checks (图像校对): a student's answer about the photo and key fields of a record.

One row per record (the unique constraint is the "one conclusion per record" rule). The answer
may change until `effective_at` (24 hours after it was last given); then it is concluded,
once: `concluded_at` is set in the same transaction that writes the event.
"""

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from records.base import Base


class PhotoCheck(Base):
    __tablename__ = "photo_checks"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[uuid.UUID] = mapped_column()
    institution_id: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[uuid.UUID] = mapped_column()
    # "correct" or "wrong"; a wrong one names the fields (photo, name, id_number, ...).
    conclusion: Mapped[str] = mapped_column(String(10))
    wrong_fields: Mapped[list[str]] = mapped_column(JSONB, default=list)
    first_answered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # answered_at + 24 hours: from then on the answer is final.
    effective_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    concluded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The correction request a "wrong" conclusion opened (or joined, if one was open).
    correction_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("kind", "record_id", name="uq_photo_checks_one_per_record"),
        Index("ix_photo_checks_user_id", "user_id"),
        # What the background job looks for: answers not yet concluded, by when they are due.
        Index(
            "ix_photo_checks_due",
            "effective_at",
            postgresql_where=text("concluded_at IS NULL"),
        ),
    )
