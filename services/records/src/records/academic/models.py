"""Reported records: student status (学籍), qualifications (学历) and degrees (学位).

Each kind has its own table holding the current version of every record, keyed by the
institution and the student number; `record_versions` keeps every version ever reported
(who, when, why, and the facts), so the history is a query and the current row is what
everyone sees. The person fields are on every record because institutions report them
with each one, and binding compares them with the account's real-name data.
"""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from educert_common.db import UtcDateTime, utcnow
from records.base import Base


class RecordColumns:
    """What every kind of record has: institution, student number, person, binding, version."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)

    @declared_attr
    def institution_id(cls) -> Mapped[str]:
        return mapped_column(ForeignKey("institutions.id"))

    student_number: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[str] = mapped_column(String(6))
    birth_date: Mapped[date] = mapped_column(Date)
    id_type: Mapped[str] = mapped_column(String(30))
    # AES-256-GCM (records' personal-data key ring) and the platform's keyed hash.
    id_number_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    id_number_hash: Mapped[str] = mapped_column(String(64))
    # The photo on the record (content-addressed key in file storage), if any.
    photo_key: Mapped[str | None] = mapped_column(String(100))
    # The account whose archive holds the record; set by binding, cleared by an operator.
    owner_id: Mapped[uuid.UUID | None] = mapped_column()
    bound_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    bound_via: Mapped[str | None] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))


class StudentStatusRecord(RecordColumns, Base):
    __tablename__ = "student_status_records"

    ethnicity: Mapped[str | None] = mapped_column(String(20))
    major: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))
    study_form: Mapped[str | None] = mapped_column(String(20))
    education_type: Mapped[str | None] = mapped_column(String(20))
    enrollment_date: Mapped[date] = mapped_column(Date)
    study_years: Mapped[Decimal] = mapped_column(Numeric(3, 1))
    status: Mapped[str] = mapped_column(String(20))
    status_date: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("institution_id", "student_number"),
        Index("ix_student_status_records_id_number_hash", "id_number_hash"),
        Index("ix_student_status_records_owner_id", "owner_id"),
        CheckConstraint("enrollment_date >= DATE '1991-01-01'", name="since_1991"),
    )


class QualificationRecord(RecordColumns, Base):
    __tablename__ = "qualification_records"

    certificate_number: Mapped[str] = mapped_column(String(40))
    # certificate_key() of the number and of the old-style serial (NO.00298959), for binding
    # by hand with either, with or without NO. and leading zeros.
    certificate_key: Mapped[str] = mapped_column(String(40))
    serial_number: Mapped[str | None] = mapped_column(String(20))
    serial_key: Mapped[str | None] = mapped_column(String(20))
    major: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))
    study_form: Mapped[str | None] = mapped_column(String(20))
    education_type: Mapped[str | None] = mapped_column(String(20))
    enrollment_date: Mapped[date | None] = mapped_column(Date)
    graduation_date: Mapped[date] = mapped_column(Date)
    conclusion: Mapped[str] = mapped_column(String(20))
    principal_name: Mapped[str | None] = mapped_column(String(50))

    __table_args__ = (
        UniqueConstraint("institution_id", "student_number"),
        UniqueConstraint("institution_id", "certificate_key"),
        Index("ix_qualification_records_certificate_key", "certificate_key"),
        Index("ix_qualification_records_serial_key", "serial_key"),
        Index("ix_qualification_records_id_number_hash", "id_number_hash"),
        Index("ix_qualification_records_owner_id", "owner_id"),
        CheckConstraint("graduation_date >= DATE '1991-01-01'", name="since_1991"),
    )


class DegreeRecord(RecordColumns, Base):
    __tablename__ = "degree_records"

    certificate_number: Mapped[str] = mapped_column(String(40))
    certificate_key: Mapped[str] = mapped_column(String(40))
    degree_level: Mapped[str] = mapped_column(String(20))
    discipline: Mapped[str] = mapped_column(String(20))
    major: Mapped[str] = mapped_column(String(100))
    awarding_institution_id: Mapped[str] = mapped_column(String(10))
    conferred_date: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("institution_id", "student_number"),
        UniqueConstraint("institution_id", "certificate_key"),
        Index("ix_degree_records_certificate_key", "certificate_key"),
        Index("ix_degree_records_id_number_hash", "id_number_hash"),
        Index("ix_degree_records_owner_id", "owner_id"),
        CheckConstraint("conferred_date >= DATE '1991-01-01'", name="since_1991"),
    )


class RecordVersion(Base):
    """Every version of every record: the facts as reported, who reported them, and why."""

    __tablename__ = "record_versions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[uuid.UUID] = mapped_column()
    version: Mapped[int] = mapped_column(Integer)
    # Every reported field except the ID number, which is sealed beside it.
    facts: Mapped[dict[str, object]] = mapped_column(JSONB)
    id_number_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    content_hash: Mapped[str] = mapped_column(String(64))
    changed_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(500))
    # Where the version came from: "api", "import:<job id>", "correction:<id>".
    source: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("kind", "record_id", "version"),)


class StatusChange(Base):
    """The dated history of a student's status (在籍, 休学, 复学, 毕业...)."""

    __tablename__ = "student_status_changes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    record_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("student_status_records.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    # When the change took effect, as the institution reported it (else the day reported).
    effective_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


RecordModel = StudentStatusRecord | QualificationRecord | DegreeRecord
RECORD_TABLES = ("student_status_records", "qualification_records", "degree_records")
MODELS: dict[str, type[StudentStatusRecord] | type[QualificationRecord] | type[DegreeRecord]] = {
    "student_status": StudentStatusRecord,
    "qualification": QualificationRecord,
    "degree": DegreeRecord,
}
