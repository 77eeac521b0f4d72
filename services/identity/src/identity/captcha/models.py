"""Captcha passes (what login accepts) and the development adapter's slider challenges."""

import uuid
from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from identity.base import Base


class CaptchaPass(Base):
    """A solved captcha: its signed token lets one login attempt through, once."""

    __tablename__ = "captcha_passes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Which adapter checked the answer (development, or a vendor's name).
    adapter: Mapped[str] = mapped_column(String(32))


class DevSliderChallenge(Base):
    """A challenge of the development slider adapter: drag the piece to `target_x`."""

    __tablename__ = "dev_captcha_challenges"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    target_x: Mapped[int] = mapped_column(Integer)
    # One answer per challenge, right or wrong: a wrong one needs a new challenge.
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
