"""Import jobs, the request side: receive a file (streamed to disk, capped, checked by
content and header before anything is written), queue its job, show jobs and their errors."""

import asyncio
import csv
import hashlib
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import Database
from educert_common.errors import DomainError, PayloadTooLarge, Text
from educert_common.tabular import Columns, Table, TableLimits, excel_safe
from records.academic.rules import RecordKind
from records.config import RecordsSettings
from records.exceptions import ImportJobNotFound
from records.imports.columns import INSTITUTION_COLUMNS, record_columns
from records.imports.models import ImportJob, ImportProgress
from records.imports.repository import JobRepository
from records.imports.schemas import ImportJobOut, ImportMode

CHUNK = 1024 * 1024


def table_limits(settings: RecordsSettings) -> TableLimits:
    return TableLimits(max_rows=settings.import_max_rows)


def too_large(limit: int) -> PayloadTooLarge:
    mib = limit / 1024 / 1024
    return PayloadTooLarge(
        Text(
            f"The file is larger than the limit of {mib:g} MiB ({limit} bytes): split it",
            f"文件超过 {mib:g} MiB({limit} 字节)的上限,请拆分后上传",
        )
    )


@dataclass(frozen=True)
class Upload:
    path: Path
    size: int
    sha256: str


def imports_dir(settings: RecordsSettings) -> Path:
    directory = Path(settings.resolved_storage_root()).resolve() / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


async def receive(
    chunks: AsyncIterator[bytes], settings: RecordsSettings, declared: int | None
) -> Upload:
    """Stream the body to a new file, hashing it; over the cap, 413 and no file left."""
    limit = settings.import_max_bytes
    if declared is not None and declared > limit:
        raise too_large(limit)
    path = imports_dir(settings) / f"{uuid.uuid4()}.part"
    digest = hashlib.sha256()
    size = 0
    file = await asyncio.to_thread(path.open, "wb")
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise too_large(limit)
            digest.update(chunk)
            await asyncio.to_thread(file.write, chunk)
    except BaseException:
        file.close()
        path.unlink(missing_ok=True)
        raise
    file.close()
    return Upload(path, size, digest.hexdigest())


def _inspect(path: Path, columns: Columns, limits: TableLimits) -> Table:
    table = Table(path, limits)
    next(iter(table.rows(columns)), None)  # the header is checked on the first row
    return table


async def create_job(
    session: AsyncSession,
    settings: RecordsSettings,
    *,
    upload: Upload,
    kind: str,
    mode: ImportMode,
    institution_id: str | None,
    actor: str,
) -> ImportJob:
    """Check the file's type, encoding and header, then queue its import job."""
    columns = INSTITUTION_COLUMNS if kind == "institutions" else record_columns(RecordKind(kind))
    try:
        table = await asyncio.to_thread(_inspect, upload.path, columns, table_limits(settings))
    except DomainError:
        upload.path.unlink(missing_ok=True)
        raise
    job_id = uuid.uuid4()
    final = upload.path.with_name(f"{job_id}.{table.format.value}")
    upload.path.rename(final)
    job = ImportJob(
        id=job_id,
        institution_id=institution_id,
        kind=kind,
        mode=mode.value,
        status="queued",
        file_format=table.format.value,
        encoding=table.encoding,
        file_path=str(final),
        size_bytes=upload.size,
        sha256=upload.sha256,
        created_by=actor,
    )
    await JobRepository(session).add(job)
    return job


def job_view(job: ImportJob, progress: ImportProgress | None) -> ImportJobOut:
    """A job as its institution sees it: the final status, else the live phase and counts."""
    live = job.status == "queued" and progress is not None
    return ImportJobOut(
        id=job.id,
        institution_id=job.institution_id,
        kind=job.kind,
        mode=ImportMode(job.mode),
        status=progress.phase if live and progress else job.status,  # type: ignore[arg-type]
        file_format=job.file_format,
        encoding=job.encoding,
        size_bytes=job.size_bytes,
        sha256=job.sha256,
        rows_read=progress.rows_read if live and progress else job.rows_read,
        rows_accepted=progress.rows_accepted if live and progress else job.rows_accepted,
        rows_rejected=progress.rows_rejected if live and progress else job.rows_rejected,
        records_created=job.records_created,
        records_changed=job.records_changed,
        records_unchanged=job.records_unchanged,
        attempts=progress.attempts if progress else 0,
        failure_code=job.failure_code,
        failure_message=job.failure_message,
        created_by=job.created_by,
        created_at=job.created_at,
        started_at=progress.started_at if progress else None,
        finished_at=job.finished_at,
    )


async def get_job(
    session: AsyncSession, job_id: uuid.UUID, *, institution_id: str | None
) -> tuple[ImportJob, ImportProgress | None]:
    """A job of the caller's institution (operators: any), or 404."""
    repository = JobRepository(session)
    job = await repository.get_scoped(job_id, institution_id=institution_id)
    if job is None:
        raise ImportJobNotFound()
    progress = (await repository.progress_of([job.id])).get(job.id)
    return job, progress


async def error_report_csv(database: Database, job_id: uuid.UUID) -> AsyncIterator[bytes]:
    """The job's error report as CSV (UTF-8 with BOM, safe to open in a spreadsheet)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["row", "field", "code", "message", "message_zh"])
    yield ("\ufeff" + buffer.getvalue()).encode()
    after = 0
    while True:
        async with database.transaction() as session:
            page = await JobRepository(session).error_page(job_id, after_id=after, limit=5000)
        if not page:
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for error in page:
            writer.writerow(
                [
                    error.row_number,
                    excel_safe(error.field),
                    excel_safe(error.code),
                    excel_safe(error.message_en),
                    excel_safe(error.message_zh),
                ]
            )
        yield buffer.getvalue().encode()
        after = page[-1].id
