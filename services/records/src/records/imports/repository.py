"""SQL of import jobs: the jobs, their progress and their error rows (the staging and merge
of a file are in `staging.py`)."""

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import utcnow
from educert_common.errors import Text
from educert_common.repository import Repository
from records.imports.models import ImportJob, ImportProgress, ImportRowError

FINAL_STATUSES = ("completed", "rejected", "failed")


class JobRepository(Repository[ImportJob]):
    model = ImportJob

    async def get_scoped(
        self, job_id: uuid.UUID, *, institution_id: str | None
    ) -> ImportJob | None:
        """A job of one institution (None: any, for operators)."""
        statement = select(ImportJob).where(ImportJob.id == job_id)
        if institution_id is not None:
            statement = statement.where(ImportJob.institution_id == institution_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    def listing(self, *, institution_id: str | None, kind: str | None) -> sa.Select[Any]:
        statement = select(ImportJob)
        if institution_id is not None:
            statement = statement.where(ImportJob.institution_id == institution_id)
        if kind is not None:
            statement = statement.where(ImportJob.kind == kind)
        return statement

    async def progress_of(self, job_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ImportProgress]:
        if not job_ids:
            return {}
        rows = await self.session.execute(
            select(ImportProgress).where(ImportProgress.job_id.in_(job_ids))
        )
        return {p.job_id: p for p in rows.scalars()}

    async def claim_next(self) -> ImportJob | None:
        """The oldest queued job no other worker holds, locked until this transaction ends.

        NO KEY UPDATE: the progress and error rows (foreign keys to the job) written beside
        it in other transactions take KEY SHARE locks, which this lock lets through."""
        statement = (
            select(ImportJob)
            .where(ImportJob.status == "queued")
            .order_by(ImportJob.created_at)
            .limit(1)
            .with_for_update(skip_locked=True, key_share=True)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def start_attempt(self, job_id: uuid.UUID) -> int:
        """Reset the progress for a new attempt; return the attempt's number."""
        statement = (
            pg_insert(ImportProgress)
            .values(job_id=job_id, phase="validating", attempts=1)
            .on_conflict_do_update(
                index_elements=[ImportProgress.job_id],
                set_={
                    "phase": "validating",
                    "attempts": ImportProgress.attempts + 1,
                    "rows_read": 0,
                    "rows_accepted": 0,
                    "rows_rejected": 0,
                    "started_at": utcnow(),
                    "updated_at": utcnow(),
                },
            )
            .returning(ImportProgress.attempts)
        )
        return int((await self.session.execute(statement)).scalar_one())

    async def report_progress(self, job_id: uuid.UUID, phase: str, read: int, accepted: int,
                              rejected: int) -> None:  # fmt: skip
        await self.session.execute(
            update(ImportProgress)
            .where(ImportProgress.job_id == job_id)
            .values(
                phase=phase,
                rows_read=read,
                rows_accepted=accepted,
                rows_rejected=rejected,
                updated_at=utcnow(),
            )
        )

    async def clear_errors(self, job_id: uuid.UUID) -> None:
        await self.session.execute(sa.delete(ImportRowError).where(ImportRowError.job_id == job_id))

    async def error_page(
        self, job_id: uuid.UUID, *, after_id: int, limit: int
    ) -> Sequence[ImportRowError]:
        statement = (
            select(ImportRowError)
            .where(ImportRowError.job_id == job_id, ImportRowError.id > after_id)
            .order_by(ImportRowError.id)
            .limit(limit)
        )
        return list((await self.session.execute(statement)).scalars())

    async def count_errors(self, job_id: uuid.UUID) -> int:
        statement = select(func.count()).where(ImportRowError.job_id == job_id)
        return int((await self.session.execute(statement)).scalar_one())


async def raw_connection(session: AsyncSession) -> Any:
    """The asyncpg connection under the session (for COPY)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def copy_errors(
    session: AsyncSession, job_id: uuid.UUID, errors: Iterable[tuple[int, str, str, Text]]
) -> int:
    rows = [(job_id, n, f[:60], c[:60], m.en, m.zh) for n, f, c, m in errors]
    if rows:
        await (await raw_connection(session)).copy_records_to_table(
            "import_row_errors",
            records=rows,
            columns=("job_id", "row_number", "field", "code", "message_en", "message_zh"),
        )
    return len(rows)
