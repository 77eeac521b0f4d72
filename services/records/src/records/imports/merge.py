"""The set-based half of an import: what SQL refuses (duplicates, certificates held by
others), then ONE merge of the staged rows into the kind's table with their versions,
status history, events and the job's audit entry, all in the caller's transaction."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.audit import AuditLog
from educert_common.context import current_correlation_id
from educert_common.db import utcnow
from educert_common.events.catalogue import RecordReported
from educert_common.events.outbox import Outbox
from records.academic.rules import RecordKind
from records.binding import service as binding
from records.imports.models import ImportJob
from records.imports.staging import MERGED, Staging
from records.reports import service as reports


@dataclass
class Merged:
    created: int = 0
    changed: int = 0
    unchanged: int = 0


async def merge_staged(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    staging: Staging,
    job: ImportJob,
    accepted: int,
) -> Merged:
    """Apply the staged rows: new records, new versions of changed ones, nothing for the
    unchanged; one version row, status change and event per created or changed record."""
    assert job.institution_id is not None
    now = utcnow()
    source = f"import:{job.id}"
    await staging.drop_unchanged(job.institution_id)
    if staging.kind == RecordKind.STUDENT_STATUS:
        await staging.capture_old_status(job.institution_id)
    created, changed = await staging.merge(job.institution_id, job.created_by, now)
    await staging.write_versions(job.created_by, source, now)
    if staging.kind == RecordKind.STUDENT_STATUS:
        await staging.write_status_changes(now)
    await staging.write_events(
        source=outbox.source,
        event_type=RecordReported.event_type,
        event_version=RecordReported.event_version,
        correlation_id=current_correlation_id(),
        institution_id=job.institution_id,
        job_id=job.id,
    )
    merged = Merged(created=created, changed=changed, unchanged=accepted - created - changed)
    await audit.record(
        session,
        actor=job.created_by,
        action="records.imported",
        subject_type=f"import.{job.kind}",
        subject_id=str(job.id),
        after={
            "institution_id": job.institution_id,
            "mode": job.mode,
            "sha256": job.sha256,
            "rows_accepted": accepted,
            "records_created": created,
            "records_changed": changed,
            "records_unchanged": merged.unchanged,
        },
    )
    await after_merge(session, outbox, staging.kind, job.id, job.institution_id)
    return merged


async def after_merge(
    session: AsyncSession, outbox: Outbox, kind: RecordKind, job_id: object, institution_id: str
) -> None:
    """Bind the records this file created or changed to the verified accounts they match,
    and revoke the reports of the records it changed.

    Runs in the merge's transaction: a record is never visible unbound after its account was
    verified. One set-based statement over the records whose current version is this job's.
    """
    await binding.bind_matching(
        session, outbox, kind=kind, institution_id=institution_id, source=f"import:{job_id}"
    )
    await reports.revoke_changed_by_import(
        session, outbox, kind=kind, merged_table=MERGED, now=utcnow()
    )
