"""Orders, their payment attempts at each provider, the fee table and the callback log."""

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

# created -> paid | expired | closed. Refunds never change it: they are counted beside it.
ORDER_STATUSES = ("created", "paid", "expired", "closed")
PURPOSES = ("certification", "photo_check", "report", "courier")


class Fee(Base):
    """What each purpose costs, in fen; managed by operators (every change audited)."""

    __tablename__ = "fees"

    purpose: Mapped[str] = mapped_column(String(30), primary_key=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), default="system")

    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column()
    purpose: Mapped[str] = mapped_column(String(30))
    reference_id: Mapped[str] = mapped_column(String(100))
    amount_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="created")
    created_via: Mapped[str] = mapped_column(String(20), default="applicant")
    # Only the masked form is kept: it is all the proxy-pay page may show.
    holder_name_masked: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paid_channel: Mapped[str | None] = mapped_column(String(10))
    paid_attempt_id: Mapped[uuid.UUID | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    refunded_fen: Mapped[int] = mapped_column(Integer, default=0)
    proxy_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    receipt_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    last_queried_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("refunded_fen >= 0 AND refunded_fen <= amount_fen", name="refund_bound"),
        CheckConstraint("status IN ('created', 'paid', 'expired', 'closed')", name="status_known"),
        # At most one open order per thing to pay for: concurrent creates find the same one.
        Index(
            "uq_orders_open_per_reference",
            "user_id",
            "purpose",
            "reference_id",
            unique=True,
            postgresql_where=text("status = 'created'"),
        ),
        Index("ix_orders_status_expires_at", "status", "expires_at"),
        Index("ix_orders_user_created", "user_id", "created_at"),
    )

    @property
    def out_trade_no(self) -> str:
        """The merchant order number at the providers (32 characters, WeChat's maximum)."""
        return self.id.hex


class PaymentAttempt(Base):
    """One channel's trade for an order (same out_trade_no at each provider); a succeeded
    attempt is money received, whether or not it made the order paid."""

    __tablename__ = "payment_attempts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"))
    channel: Mapped[str] = mapped_column(String(10))
    # started -> succeeded | closed
    status: Mapped[str] = mapped_column(String(20), default="started")
    code_url: Mapped[str | None] = mapped_column(Text)
    amount_fen: Mapped[int] = mapped_column(Integer)
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Refunds asked for (requested, processing or succeeded) and those completed.
    reserved_fen: Mapped[int] = mapped_column(Integer, default=0)
    refunded_fen: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("order_id", "channel"),
        UniqueConstraint("channel", "transaction_id"),
        CheckConstraint("reserved_fen >= 0 AND reserved_fen <= amount_fen", name="reserved_bound"),
        CheckConstraint(
            "refunded_fen >= 0 AND refunded_fen <= reserved_fen", name="refunded_bound"
        ),
    )


class ProviderNotification(Base):
    """Every verified callback and what became of it (forged ones only reach the log)."""

    __tablename__ = "provider_notifications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    channel: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(20))
    out_trade_no: Mapped[str] = mapped_column(String(64), index=True)
    reference: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
