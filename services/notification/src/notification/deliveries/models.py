"""The deliveries table: one message through one channel, sent, retried and reported."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from notification.base import Base

# NOTIFY channel that wakes the delivery workers when deliveries are queued.
DELIVERY_CHANNEL = "notification_deliveries"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"  # waiting for a worker (first attempt or a retry after backoff)
    SENDING = "sending"  # claimed by a worker under a lease and an attempt token
    SENT = "sent"  # the provider accepted it (or it is in the user's inbox)
    FAILED = "failed"  # refused (limit, no address, template) or given up after retries
    DEAD = "dead"  # the outcome of the last attempts is unknown (workers died mid-send)


class Delivery(Base):
    """One message through one channel: the unit that is sent, retried and reported."""

    __tablename__ = "deliveries"
    __table_args__ = (
        # Never twice for one event and channel, whatever the broker or the workers do.
        UniqueConstraint("source_event_id", "channel"),
        CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed', 'dead')", name="status"),
        CheckConstraint("channel IN ('sms', 'email', 'inbox')", name="channel"),
        Index(
            "ix_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status IN ('queued', 'sending')"),
        ),
        Index("ix_deliveries_created", "created_at", "id"),
        Index(
            "ix_deliveries_unredacted",
            "created_at",
            postgresql_where=text("carries_secret AND redacted_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    message_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("messages.id"), index=True
    )
    source_event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    event_type: Mapped[str] = mapped_column(String(120), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    # Normalised mobile number or e-mail address; None for the inbox.
    destination: Mapped[str | None] = mapped_column(String(320), index=True)
    status: Mapped[str] = mapped_column(String(8), default=DeliveryStatus.QUEUED)
    failure_reason: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # New for every claim: only the holder of the current token may record the outcome.
    attempt_token: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    sms_template_code: Mapped[str | None] = mapped_column(String(64))
    sms_params: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    # A one-time code or link is in subject/body/html_body/sms_params: never shown to operators,
    # and emptied (redacted_at set) once sent, or once failed or dead and the message expired.
    carries_secret: Mapped[bool] = mapped_column(Boolean, default=False)
    redacted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
