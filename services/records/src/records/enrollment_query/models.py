"""Image captchas of the public new-student query: the answer only as a keyed hash."""

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from records.base import Base


class QueryCaptcha(Base):
    """One captcha: single use, a few guesses, minutes to live."""

    __tablename__ = "query_captchas"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # HMAC-SHA256 (hex) of the id and the answer, keyed from records' settings.
    answer_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    wrong_guesses: Mapped[int] = mapped_column(Integer, default=0)
    # Set by the right answer, or by the last wrong guess allowed: then it answers no more.
    spent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_query_captchas_expires_at", "expires_at"),)
