"""Degree application rounds (学士学位申请) an institution opens, the students' applications
in them, and the files each application holds (one version row per stored file).

An application's status fields are a snapshot of the student's bound record taken when they
apply: the student never types them, and a later correction of the record does not change
what was applied with (staff see the record's version it was taken from).
"""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from records.base import Base

# draft -> submitted -> (returned -> submitted)* -> approved -> confirmed; staff may
# disqualify at any point (forged documents). Nothing changes after confirmed but that.
APPLICATION_STATUSES = ("draft", "submitted", "returned", "approved", "confirmed", "disqualified")


class DegreeApplication(Base):
    __tablename__ = "degree_applications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("degree_rounds.id"))
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"))
    applicant_id: Mapped[uuid.UUID] = mapped_column(index=True)
    # The bound record the snapshot was taken from.
    record_kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[uuid.UUID] = mapped_column()
    record_version: Mapped[int] = mapped_column(Integer)
    # Name, student number, major, level... as the record said (ID number masked).
    snapshot: Mapped[dict[str, str]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # The graduate registration form given as the code of the student's own report instead
    # of a file (stored normalised; the report is looked up again whenever staff look).
    registration_report_id: Mapped[uuid.UUID | None] = mapped_column()
    registration_report_code: Mapped[str | None] = mapped_column(String(16))
    # [{"field": slot or "registration_report", "reason": text}] of the last return.
    return_reasons: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The receipt's verification code (the voucher to collect the degree certificate).
    receipt_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    disqualified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disqualified_by: Mapped[str | None] = mapped_column(String(100))
    disqualified_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        # Once per round: the database says so too, whatever races.
        UniqueConstraint("round_id", "applicant_id"),
        Index("ix_degree_applications_round_status", "round_id", "status"),
        CheckConstraint(
            "status IN ('draft', 'submitted', 'returned', 'approved', 'confirmed', 'disqualified')",
            name="status_known",
        ),
    )


class DegreeApplicationFile(Base):
    """One stored file of a slot; the newest version of each slot is the current one."""

    __tablename__ = "degree_application_files"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("degree_applications.id", ondelete="CASCADE")
    )
    slot: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    file_key: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("application_id", "slot", "version"),)
