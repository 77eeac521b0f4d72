"""Refunds of money received on a payment attempt."""

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from payment.base import Base

# requested -> processing -> succeeded | failed (requested -> succeeded when synchronous);
# requested -> unknown (no definite answer after the tries) -> queried: processing | succeeded
# | failed, or requested again when the provider has no such refund; failed -> succeeded when
# the provider reports the refund made after all.
REFUND_KINDS = ("operator", "withdrawal", "late_payment", "duplicate_payment")


class Refund(Base):
    __tablename__ = "refunds"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    attempt_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_attempts.id"))
    channel: Mapped[str] = mapped_column(String(10))
    amount_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="requested")
    kind: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(String(100))
    # Idempotency of refund requests: one refund per (order, key), whoever asks again.
    request_key: Mapped[str] = mapped_column(String(200))
    provider_refund_id: Mapped[str | None] = mapped_column(String(64))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        UniqueConstraint("order_id", "request_key"),
        Index("ix_refunds_due", "next_try_at", postgresql_where=text("status = 'requested'")),
    )

    @property
    def out_refund_no(self) -> str:
        return self.id.hex
