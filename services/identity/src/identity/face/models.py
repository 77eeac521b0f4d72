"""Real-person (face) verification sessions and the callback nonces already seen."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from identity.base import Base


class FaceSession(Base):
    __tablename__ = "face_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # pending, passed, failed, expired
    status: Mapped[str] = mapped_column(String(8), default="pending", index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    failure_reason: Mapped[str | None] = mapped_column(String(100))
    entry_exit_records: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)


class FaceCallbackNonce(Base):
    """Nonces of accepted callbacks, kept past the timestamp window so none is replayed."""

    __tablename__ = "face_callback_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
