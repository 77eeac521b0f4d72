"""The import worker: a background job of the records process.

Each job is processed in ONE transaction that holds the job row (FOR UPDATE SKIP LOCKED, so
replicas share the queue): read, check, seal and COPY the rows into a temporary staging
table, refuse what SQL judges, merge, and mark the job finished. If the process dies, the
transaction and its staging vanish and the job is still `queued`: the next worker starts it
again from the stored file. The file is thus applied whole, once, or not at all. Progress
goes to `import_progress` in short transactions of its own.
"""

import asyncio
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.app import ServiceRuntime
from educert_common.db import utcnow
from educert_common.errors import DomainError
from educert_common.jobs import run_forever
from educert_common.tabular import Table
from records.academic.repository import merged_school_codes
from records.academic.rules import RecordKind, RowContext
from records.base import audit
from records.config import RecordsSettings
from records.crypto import secrets_for
from records.imports import institutions_load
from records.imports.merge import merge_staged
from records.imports.models import ImportJob
from records.imports.parallel import checked_batches_in_processes
from records.imports.reader import Batch, RowChecker, checked_batches, stage_columns
from records.imports.repository import JobRepository, copy_errors
from records.imports.service import table_limits
from records.imports.staging import Staging, reject_in_sql
from records.institutions.models import Institution

logger = logging.getLogger(__name__)
WAKEUP_KEY = "records_import_wakeup"


def wakeup(runtime_state: object) -> asyncio.Event:
    """The event an upload sets to start a worker at once (else it polls)."""
    event = getattr(runtime_state, WAKEUP_KEY, None)
    if event is None:
        event = asyncio.Event()
        setattr(runtime_state, WAKEUP_KEY, event)
    return event


async def import_worker(runtime: ServiceRuntime) -> None:
    """Process queued import jobs, one at a time per worker, forever."""
    settings = runtime.settings
    assert isinstance(settings, RecordsSettings)

    async def step() -> bool:
        return await process_next(runtime, settings)

    await run_forever("imports", settings.import_poll_seconds, step, wakeup(runtime))


async def process_next(runtime: ServiceRuntime, settings: RecordsSettings) -> bool:
    """Claim and process one queued job; False when none is waiting."""
    async with runtime.database.transaction() as session:
        job = await JobRepository(session).claim_next()
        if job is None:
            return False
        async with runtime.database.transaction() as side:
            attempt = await JobRepository(side).start_attempt(job.id)
        logger.info("import started", extra={"job_id": str(job.id), "attempt": attempt})
        if attempt > settings.import_max_attempts:
            job.finish("failed", "too_many_attempts", "The import failed on every attempt")
            return True
        try:
            await _process(runtime, settings, session, job)
        except DomainError as exc:
            # The file turned out malformed mid-way (rows beyond the cap, broken quoting):
            # the job fails whole; nothing was merged.
            detail = exc.detail.en if exc.detail else exc.title.en
            code = exc.errors[0].code if exc.errors else exc.code
            job.finish("failed", code, detail)
        logger.info("import finished", extra={"job_id": str(job.id), "status": job.status})
    if job.status in ("completed", "rejected", "failed"):
        # The file holds raw ID numbers: it goes as soon as the job is final.
        await asyncio.to_thread(Path(job.file_path).unlink, missing_ok=True)
    return True


async def _progress(runtime: ServiceRuntime, job_id: uuid.UUID, phase: str, read: int,
                    accepted: int, rejected: int) -> None:  # fmt: skip
    async with runtime.database.transaction() as side:
        await JobRepository(side).report_progress(job_id, phase, read, accepted, rejected)


async def _process(
    runtime: ServiceRuntime, settings: RecordsSettings, session: AsyncSession, job: ImportJob
) -> None:
    repository = JobRepository(session)
    await repository.clear_errors(job.id)
    if job.kind == "institutions":
        await institutions_load.process(runtime, settings, session, job)
        return
    kind = RecordKind(job.kind)
    assert job.institution_id is not None
    institution = await session.get(Institution, job.institution_id)
    if institution is None or institution.status != "active":
        job.finish("failed", "institution_inactive", "The institution no longer reports")
        return
    context = RowContext(
        institution_id=job.institution_id,
        school_codes=await merged_school_codes(session, job.institution_id),
        earliest_year=settings.earliest_record_year,
        today=utcnow().date(),
    )
    checker = RowChecker(kind, context, secrets_for(settings))
    table = Table(Path(job.file_path), table_limits(settings))
    batches = (
        checked_batches_in_processes(
            table, kind, context, settings, settings.import_batch_rows, settings.import_processes
        )
        if settings.import_processes > 0
        else checked_batches(table, checker, settings.import_batch_rows)
    )
    staging = Staging(session, kind, stage_columns(kind))
    await staging.create()
    read = staged = rejected = 0

    def produce(source: Iterator[Batch] = batches) -> Batch | None:
        return next(source, None)

    # Checking and sealing (CPU) runs in a thread while the previous batch is copied.
    pending = asyncio.ensure_future(asyncio.to_thread(produce))
    while True:
        batch = await pending
        if batch is None:
            break
        pending = asyncio.ensure_future(asyncio.to_thread(produce))
        if batch.staged:
            await staging.copy(batch.staged)
        await copy_errors(session, job.id, batch.errors)
        read += batch.rows_read
        staged += len(batch.staged)
        rejected += batch.rows_rejected
        await _progress(runtime, job.id, "validating", read, staged, rejected)
    await staging.analyse()
    rejected += await reject_in_sql(staging, job)
    accepted = read - rejected
    job.rows_read, job.rows_accepted, job.rows_rejected = read, accepted, rejected
    if rejected and job.mode == "all_or_nothing":
        job.rows_accepted = 0
        job.finish("rejected")
        return
    await _progress(runtime, job.id, "merging", read, accepted, rejected)
    merged = await merge_staged(session, audit, runtime.outbox, staging, job, accepted)
    job.records_created, job.records_changed = merged.created, merged.changed
    job.records_unchanged = merged.unchanged
    job.finish("completed")
