"""Import jobs: one per uploaded file, its live progress and its per-row error report.

The job row changes only in the transaction that applies (or rejects) the whole file, so a
committed `completed` and the merged records are one fact. While a worker holds the job
(FOR UPDATE), its phase and counts go to `import_progress`, a separate row it updates in
short transactions, so callers watch progress without waiting on the worker's lock.
"""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from records.base import Base


class ImportJob(Base):
    __tablename__ = "import_jobs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # The reporting institution; None for the operators' institutions list.
    institution_id: Mapped[str | None] = mapped_column(String(10), index=True)
    # student_status, qualification, degree, or institutions.
    kind: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(20))
    # queued -> completed | rejected | failed (the phases in between live in import_progress).
    status: Mapped[str] = mapped_column(String(12), default="queued")
    file_format: Mapped[str] = mapped_column(String(4))
    encoding: Mapped[str | None] = mapped_column(String(12))
    file_path: Mapped[str] = mapped_column(String(300))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_accepted: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    records_created: Mapped[int] = mapped_column(Integer, default=0)
    records_changed: Mapped[int] = mapped_column(Integer, default=0)
    records_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    # Why a job failed as a whole (a malformed file found mid-way), as the problem's code.
    failure_code: Mapped[str | None] = mapped_column(String(60))
    failure_message: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_import_jobs_pending", "created_at", postgresql_where=text("status = 'queued'")),
    )

    def finish(self, status: str, code: str | None = None, message: str | None = None) -> None:
        """Set the final status (committed with the merge, or instead of it)."""
        self.status = status
        self.failure_code = code
        self.failure_message = message[:500] if message else None
        self.finished_at = utcnow()


class ImportProgress(Base):
    __tablename__ = "import_progress"

    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    # validating, merging (a finished job's status is on the job).
    phase: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_accepted: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ImportRowError(Base):
    """One refused field of one row; messages never carry the submitted value."""

    __tablename__ = "import_row_errors"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="CASCADE"), index=True
    )
    row_number: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(60))
    message_en: Mapped[str] = mapped_column(Text)
    message_zh: Mapped[str] = mapped_column(Text)
