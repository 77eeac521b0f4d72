"""Tables of the notification service's own database."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from educert_common.audit import AuditLog
from educert_common.db import UtcDateTime, service_metadata, utcnow
from educert_common.events.tables import MessagingTables


class Base(DeclarativeBase):
    metadata = service_metadata()


messaging = MessagingTables.define(Base.metadata)
audit = AuditLog.define(Base.metadata)

# NOTIFY channel that wakes the delivery workers when deliveries are queued.
DELIVERY_CHANNEL = "notification_deliveries"


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    INBOX = "inbox"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"  # waiting for a worker (first attempt or a retry after backoff)
    SENDING = "sending"  # claimed by a worker under a lease and an attempt token
    SENT = "sent"  # the provider accepted it (or it is in the user's inbox)
    FAILED = "failed"  # refused (limit, no address, template) or given up after retries
    DEAD = "dead"  # the outcome of the last attempts is unknown (workers died mid-send)


CHANNELS = tuple(c.value for c in Channel)
LOCALES = ("zh", "en")


class Recipient(Base):
    """How to reach a user, as identity last announced it (identity.user.contacts_changed)."""

    __tablename__ = "recipients"
    __table_args__ = (CheckConstraint("locale IN ('zh', 'en')", name="locale"),)

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320))
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    mobile: Mapped[str | None] = mapped_column(String(32))
    mobile_is_mainland: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(2), default="zh")
    # occurred_at of the event these contacts came from: an older event never overwrites.
    contacts_as_of: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Preference(Base):
    """A user's choices about what reaches them."""

    __tablename__ = "preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    # Non-essential messages skip SMS and e-mail (they still land in the in-app inbox).
    mute_non_essential: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Template(Base):
    """One message text for one template key, channel and locale (Jinja2, sandboxed)."""

    __tablename__ = "templates"
    __table_args__ = (
        UniqueConstraint("key", "channel", "locale"),
        CheckConstraint("channel IN ('sms', 'email', 'inbox')", name="channel"),
        CheckConstraint("locale IN ('zh', 'en')", name="locale"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(8))
    locale: Mapped[str] = mapped_column(String(2))
    # E-mail subject or inbox title; SMS has none.
    subject: Mapped[str | None] = mapped_column(Text)
    # Plain text: the SMS text, the e-mail's text part, the inbox body.
    body: Mapped[str] = mapped_column(Text)
    # E-mail only, autoescaped.
    html_body: Mapped[str | None] = mapped_column(Text)
    # SMS only: the template registered with the carrier; the carrier gets code + parameters.
    sms_template_code: Mapped[str | None] = mapped_column(String(64))
    # Declared sample data: a template must render with it to be saved.
    sample_data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Route(Base):
    """Routing is data: which template and channels an event type goes out through."""

    __tablename__ = "routes"

    event_type: Mapped[str] = mapped_column(String(120), primary_key=True)
    template_key: Mapped[str] = mapped_column(String(80))
    channels: Mapped[list[str]] = mapped_column(ARRAY(String(8)))
    # Essential messages (codes, security notices) ignore the user's mute preference.
    essential: Mapped[bool] = mapped_column(Boolean, default=False)
    # Subject to the per-destination send limits (codes).
    rate_limited: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Message(Base):
    """What one event told one person; delivered through one or more channels."""

    __tablename__ = "messages"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    source_event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    event_type: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    template_key: Mapped[str] = mapped_column(String(80))
    locale: Mapped[str] = mapped_column(String(2))
    essential: Mapped[bool] = mapped_column(Boolean)
    # Codes and links: resending after this is pointless.
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


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


class SendLogEntry(Base):
    """One send counted against a destination's limits (written with the delivery)."""

    __tablename__ = "send_log"
    __table_args__ = (Index("ix_send_log_destination_time", "destination_key", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    destination_key: Mapped[str] = mapped_column(String(340))
    delivery_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(
        UtcDateTime, server_default=text("clock_timestamp()")
    )


class SmsBudgetDay(Base):
    """SMS sent (or queued) on one Asia/Shanghai day, against `sms_daily_budget`."""

    __tablename__ = "sms_budget"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    used: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=text("now()"))


class InboxItem(Base):
    """A message in a user's in-app inbox."""

    __tablename__ = "inbox_items"
    __table_args__ = (Index("ix_inbox_items_owner_created", "user_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    message_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("messages.id"), unique=True
    )
    event_type: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Deleted by the user: hidden from them, kept for the delivery history.
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CapturedMail(Base):
    """Mail received by the development SMTP sink (development and test only)."""

    __tablename__ = "captured_mail"
    __table_args__ = (Index("ix_captured_mail_created", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    mail_from: Mapped[str] = mapped_column(String(320))
    recipients: Mapped[list[str]] = mapped_column(ARRAY(String(320)))
    subject: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(300), index=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
