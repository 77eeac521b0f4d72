"""The templates table: one message text per key, channel and locale."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from notification.base import Base


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
