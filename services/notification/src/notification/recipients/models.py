"""The recipients table: contacts identity announced for each user."""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from notification.base import Base


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
