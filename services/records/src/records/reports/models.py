"""Online verification reports (在线验证报告) of a student's own records, who verified them,
and the operators' policy for ordering them.

A report is a snapshot: the facts the student chose to disclose, taken from the record's
current version when the report is issued. A later correction of the record revokes the
report (the snapshot no longer matches what the institution says) rather than changing it.
"""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from records.base import Base

# A report's life: awaiting payment (when a fee applies) -> active -> closed by its holder or
# revoked (record corrected or unbound, or by an operator); an unpaid one whose order
# expired is cancelled. "Expired" is not stored: it is active past `valid_until`.
REPORT_STATUSES = ("awaiting_payment", "active", "closed", "revoked", "cancelled")


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # 16 characters of Crockford base32 (80 random bits), stored normalised.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(index=True)
    record_kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[uuid.UUID] = mapped_column()
    record_version: Mapped[int] = mapped_column(Integer)
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"))
    status: Mapped[str] = mapped_column(String(20))
    validity_days: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[datetime | None] = mapped_column(UtcDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # What the student chose to show: {"id_number": "masked"|"hidden", "birth_date": bool,
    # "photo": bool}; `facts` holds only what it allows, so nothing hidden is ever stored here.
    disclosure: Mapped[dict[str, object]] = mapped_column(JSONB)
    facts: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    photo_key: Mapped[str | None] = mapped_column(String(100))
    # Its bit in the platform's Bitstring Status List (a random free index).
    status_index: Mapped[int] = mapped_column(Integer, unique=True)
    order_id: Mapped[uuid.UUID | None] = mapped_column()
    alert_on_verify: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint(
            "status IN ('awaiting_payment', 'active', 'closed', 'revoked', 'cancelled')",
            name="status_known",
        ),
        Index("ix_reports_record", "record_kind", "record_id"),
    )


class ReportVerification(Base):
    """One look at a report by anyone: the student sees these for each report."""

    __tablename__ = "report_verifications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    verified_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # page (the public HTML page), api (the JSON answer), bulk (a partner's batch)
    channel: Mapped[str] = mapped_column(String(10))
    # The partner organisation (its institution code) for authenticated partner calls.
    partner: Mapped[str | None] = mapped_column(String(40))
    # The client address, masked (IPv4 last octet, IPv6 past the /48), never stored whole.
    client_masked: Mapped[str | None] = mapped_column(String(64))
    # The state the verifier was shown (valid, expired, closed, revoked, not_yet_valid).
    state: Mapped[str] = mapped_column(String(20))

    __table_args__ = (Index("ix_report_verifications_report", "report_id", "verified_at"),)


class ReportPolicy(Base):
    """Operators' settings for ordering reports (one row, id 1)."""

    __tablename__ = "report_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    min_validity_days: Mapped[int] = mapped_column(Integer, default=30)
    max_validity_days: Mapped[int] = mapped_column(Integer, default=365)
    # When set, ordering goes through a payment order (purpose "report"; the amount is
    # payment's fee table entry) and the report is issued once it is paid.
    fee_required: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_by: Mapped[str] = mapped_column(String(100), default="system")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(
            "min_validity_days >= 1 AND max_validity_days >= min_validity_days "
            "AND max_validity_days <= 3660",
            name="range_sane",
        ),
    )
