"""One-time codes (SMS or e-mail) and e-mail activation links."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from identity.base import Base


class VerificationCode(Base):
    """A code sent (or, for unknown recipients, pretended sent); only its HMAC is kept."""

    __tablename__ = "verification_codes"
    __table_args__ = (
        Index("ix_verification_codes_destination", "destination", "created_at"),
        Index("ix_verification_codes_ip", "ip", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    purpose: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    destination: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The client's address key (an IPv4 address or an IPv6 /64), counted against the daily caps.
    ip: Mapped[str] = mapped_column(String(64))


class ActivationLink(Base):
    """A signed e-mail activation link; the row makes it single-use."""

    __tablename__ = "activation_links"
    __table_args__ = (
        Index("ix_activation_links_email", "email", "created_at"),
        Index("ix_activation_links_ip", "ip", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(index=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The key of the client address that asked for it (an IPv4 address or an IPv6 /64),
    # counted with codes against the daily caps.
    ip: Mapped[str | None] = mapped_column(String(64))


class Purpose(StrEnum):
    REGISTER_MOBILE = "register_mobile"
    RESET_PASSWORD = "reset_password"
    FIND_USERNAME = "find_username"
    CHANGE_EMAIL = "change_email"
    CHANGE_MOBILE = "change_mobile"
