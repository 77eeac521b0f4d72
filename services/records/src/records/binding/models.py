"""Records' own copy of real-name-verified accounts, the manual-binding attempt counter and the
operators' unbindings (which automatic binding then respects)."""

import uuid
from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from records.base import Base


class VerifiedAccount(Base):
    """An account identity confirmed against the population registry (from
    `identity.user.realname_verified`); binding compares records with these fields."""

    __tablename__ = "verified_accounts"

    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # The platform's keyed hash of the ID number; one account holds a number at a time (a
    # later verification of the same number, after a duplicate-ID appeal, replaces the row).
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Normalised like reported names (Chinese compact, Latin upper case).
    real_name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[str] = mapped_column(String(6))
    birth_date: Mapped[date] = mapped_column(Date)
    verified_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    event_id: Mapped[uuid.UUID | None] = mapped_column()


class BindingAttempt(Base):
    """Manual binding attempts of one account on one day (Asia/Shanghai), capped so that
    certificate numbers cannot be enumerated."""

    __tablename__ = "binding_attempts"

    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class Unbinding(Base):
    """An operator took a record out of an account's archive; automatic binding never puts it
    back into that account, and the student cannot bind it again by hand."""

    __tablename__ = "record_unbindings"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[uuid.UUID] = mapped_column()
    user_id: Mapped[uuid.UUID] = mapped_column()
    reason: Mapped[str] = mapped_column(String(500))
    unbound_by: Mapped[str] = mapped_column(String(100))
    unbound_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_record_unbindings_record", "kind", "record_id", "user_id"),)
