"""Certification's copy of real-name-verified accounts (from identity's
`identity.user.realname_verified`): who may apply, and the name and dates the
pre-submission checks compare the documents against."""

import uuid
from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from certification.base import Base
from educert_common.db import UtcDateTime, utcnow


class VerifiedAccount(Base):
    __tablename__ = "verified_accounts"

    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    real_name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[str] = mapped_column(String(6))
    birth_date: Mapped[date] = mapped_column(Date)
    verified_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
