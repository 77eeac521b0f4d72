"""Photo upload attempts (学历照片上传): one paid try of a student to replace a record's photo.

The states and the only moves between them (`TRANSITIONS`; `service.move` is the one place
that changes `status`):

    awaiting_payment -> paid -> registry_checking -> in_review -> approved | rejected
    awaiting_payment -> cancelled              (the order expired unpaid)
    registry_checking -> registry_failed       (the registry says the person does not match)

While `registry_checking`, `registry_due_at` is a lease: if identity does not answer (or the
process dies mid-call) the job asks again once it passes, with a doubling delay.

At most one attempt per record is open (awaiting payment, paid, checking or in review): a
partial unique index says so. A rejected or failed attempt is closed; trying again is a new,
newly paid attempt.
"""

import uuid
from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from records.base import Base

AWAITING_PAYMENT = "awaiting_payment"
PAID = "paid"
REGISTRY_CHECKING = "registry_checking"
REGISTRY_FAILED = "registry_failed"
IN_REVIEW = "in_review"
APPROVED = "approved"
REJECTED = "rejected"
CANCELLED = "cancelled"

TRANSITIONS: dict[str, frozenset[str]] = {
    AWAITING_PAYMENT: frozenset({PAID, CANCELLED}),
    PAID: frozenset({REGISTRY_CHECKING}),
    REGISTRY_CHECKING: frozenset({REGISTRY_FAILED, IN_REVIEW}),
    IN_REVIEW: frozenset({APPROVED, REJECTED}),
    REGISTRY_FAILED: frozenset(),
    APPROVED: frozenset(),
    REJECTED: frozenset(),
    CANCELLED: frozenset(),
}
OPEN_STATES = (AWAITING_PAYMENT, PAID, REGISTRY_CHECKING, IN_REVIEW)
STATES = tuple(TRANSITIONS)


class PhotoAttempt(Base):
    __tablename__ = "photo_attempts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[uuid.UUID] = mapped_column()
    institution_id: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[uuid.UUID] = mapped_column()
    status: Mapped[str] = mapped_column(String(20))
    # The uploaded photo without metadata (content-addressed key in file storage).
    photo_key: Mapped[str] = mapped_column(String(100))
    uploaded_bytes: Mapped[int] = mapped_column(Integer)
    # Payment's order (purpose photo_check); None until payment answered.
    order_id: Mapped[uuid.UUID | None] = mapped_column()
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The identity check against the population registry, asked by the background job.
    registry_tries: Mapped[int] = mapped_column(Integer, default=0)
    registry_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    registry_outcome: Mapped[str | None] = mapped_column(String(20))
    registry_field: Mapped[str | None] = mapped_column(String(30))
    registry_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The day (Asia/Shanghai) the review is expected by, shown to the student.
    review_due_on: Mapped[date | None] = mapped_column(Date)
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(String(500))
    # The record's version that the approved photo became.
    record_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_photo_attempts_user_id", "user_id"),
        Index("ix_photo_attempts_queue", "institution_id", "status", "created_at"),
        # One open attempt per record.
        Index(
            "uq_photo_attempts_one_open_per_record",
            "kind",
            "record_id",
            unique=True,
            postgresql_where=text(
                "status IN ('awaiting_payment', 'paid', 'registry_checking', 'in_review')"
            ),
        ),
        # What the registry job looks for.
        Index(
            "ix_photo_attempts_registry_due",
            "registry_due_at",
            postgresql_where=text("status IN ('paid', 'registry_checking')"),
        ),
    )
