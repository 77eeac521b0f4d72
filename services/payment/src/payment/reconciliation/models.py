"""Reconciliation runs and the mismatches they found."""

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from payment.base import Base


class ReconciliationRun(Base):
    __tablename__ = "reconciliation_runs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    day: Mapped[date] = mapped_column(Date, index=True)
    channel: Mapped[str] = mapped_column(String(10))
    # completed | failed; alert: no statement, a mismatch found outside a run (refunds)
    status: Mapped[str] = mapped_column(String(20))
    provider_lines: Mapped[int] = mapped_column(Integer, default=0)
    matched: Mapped[int] = mapped_column(Integer, default=0)
    mismatch_count: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ReconciliationMismatch(Base):
    __tablename__ = "reconciliation_mismatches"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reconciliation_runs.id"), index=True)
    # missing_here | missing_at_provider | amount_mismatch | refund_over_paid
    kind: Mapped[str] = mapped_column(String(30))
    entry: Mapped[str] = mapped_column(String(10))  # payment | refund
    out_trade_no: Mapped[str] = mapped_column(String(64))
    out_refund_no: Mapped[str | None] = mapped_column(String(64))
    provider_amount_fen: Mapped[int | None] = mapped_column(Integer)
    our_amount_fen: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
