"""Duplicate-ID appeals: a new account claims an ID number another account holds."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from identity.base import Base


class Appeal(Base):
    __tablename__ = "appeals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    # The account that held the ID number when the appeal was filed.
    holder_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    id_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    # pending, granted, rejected
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    id_scan_key: Mapped[str] = mapped_column(String(64))
    id_scan_type: Mapped[str] = mapped_column(String(40))
    head_photo_key: Mapped[str] = mapped_column(String(64))
    head_photo_type: Mapped[str] = mapped_column(String(40))
    statement: Mapped[str | None] = mapped_column(String(1000))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decision_reason: Mapped[str | None] = mapped_column(String(1000))
