"""The send log (per-destination limits) and the daily SMS budget counters."""

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime
from notification.base import Base


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
