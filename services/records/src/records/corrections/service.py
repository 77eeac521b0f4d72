"""Correction requests: filed by a record's student (by hand, or by a "wrong" photo check),
decided by the record's institution or an operator. An accepted request becomes a new version
of the record through `report_record` (source "correction:<id>"), so it passes the same row
checks as any report."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.audit import AuditLog
from educert_common.errors import FieldError, Text, ValidationFailed
from educert_common.events.catalogue import CorrectionDecided, CorrectionRequested
from educert_common.events.outbox import Outbox
from educert_common.storage import DOCUMENT_TYPES, FileStorage, UploadPolicy, inspect_upload
from records.academic.models import RecordModel
from records.academic.repository import merged_school_codes
from records.academic.rules import RecordKind, RowContext, check_row
from records.academic.service import facts_of, get_record, report_record
from records.access import InstitutionActor
from records.config import RecordsSettings
from records.corrections.models import Correction, CorrectionEvidence
from records.corrections.repository import CorrectionRepository
from records.crypto import ID_NUMBER_CONTEXT, Secrets
from records.exceptions import (
    CorrectionAlreadyDecided,
    CorrectionAlreadyOpen,
    CorrectionNotFound,
    RecordNotFound,
)
from records.photochecks.repository import PhotoCheckRepository

# What a student may ask to correct; "photo" has no value (the institution uploads a new one).
CORRECTABLE_FIELDS = ("photo", "name", "gender", "birth_date", "id_number", "major")
MAX_EVIDENCE_FILES = 5
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024


def evidence_policy(position: int) -> UploadPolicy:
    return UploadPolicy(
        allowed_types=DOCUMENT_TYPES,
        max_bytes=MAX_EVIDENCE_BYTES,
        field=f"evidence[{position}]",
    )


def check_evidence_count(count: int) -> None:
    """Refuse more than MAX_EVIDENCE_FILES files (422 naming `evidence`)."""
    if count > MAX_EVIDENCE_FILES:
        message = Text(
            f"At most {MAX_EVIDENCE_FILES} evidence files", f"证明材料最多 {MAX_EVIDENCE_FILES} 份"
        )
        raise ValidationFailed(message, errors=[FieldError("evidence", "too_many_files", message)])


def _current_row(record: RecordModel, kind: RecordKind, secrets: Secrets) -> dict[str, Any]:
    """The record's reported fields as a row `check_row` and `report_record` accept."""
    row = facts_of(record, kind)
    row["id_number"] = secrets.personal.decrypt(
        record.id_number_encrypted, context=ID_NUMBER_CONTEXT
    )
    return row


async def _check_values(
    session: AsyncSession,
    settings: RecordsSettings,
    secrets: Secrets,
    record: RecordModel,
    kind: RecordKind,
    values: dict[str, Any],
    prefix: str,
) -> None:
    """Refuse proposed values the record could not hold (the same rules as any report)."""
    row = {**_current_row(record, kind, secrets), **values}
    context = RowContext(
        institution_id=record.institution_id,
        school_codes=await merged_school_codes(session, record.institution_id),
        earliest_year=settings.earliest_record_year,
    )
    checked = check_row(kind, row, context)
    # Every error counts, not only those of the proposed fields: a new ID number that
    # contradicts the recorded birth date could never be written, so say so now.
    errors = [
        FieldError(f"{prefix}.{error.field}", error.code, error.message) for error in checked.errors
    ]
    if errors:
        raise ValidationFailed(errors=errors)


async def file_correction(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    secrets: Secrets,
    settings: RecordsSettings,
    storage: FileStorage,
    *,
    kind: RecordKind,
    record_id: uuid.UUID,
    user_id: uuid.UUID,
    fields: dict[str, str | None],
    note: str | None,
    files: Sequence[bytes],
    now: datetime,
) -> Correction:
    """File a correction request for the caller's own record, with evidence files."""
    record = await PhotoCheckRepository(session).owned_record(kind, record_id, user_id, lock=True)
    if record is None:
        raise RecordNotFound()
    check_evidence_count(len(files))
    # Every file is checked before any is stored or any row written: nothing half-filed.
    for position, content in enumerate(files):
        inspect_upload(content, evidence_policy(position))
    values = {name: value for name, value in fields.items() if value is not None}
    if "photo" in values:
        message = Text("A new photo comes from the institution", "新照片由院校上传，无需填写")
        raise ValidationFailed(errors=[FieldError("fields.photo", "no_value_expected", message)])
    await _check_values(session, settings, secrets, record, kind, values, "fields")
    repository = CorrectionRepository(session)
    if await repository.open_for(kind, record_id) is not None:
        raise CorrectionAlreadyOpen()
    stored = [await storage.put(content, evidence_policy(i)) for i, content in enumerate(files)]
    id_number = values.pop("id_number", None)
    correction = Correction(
        kind=kind.value,
        record_id=record_id,
        institution_id=record.institution_id,
        user_id=user_id,
        status="open",
        fields=list(fields),
        proposed=values,
        proposed_id_number_encrypted=secrets.seal_id_number(id_number) if id_number else None,
        note=note,
        origin="student",
        created_at=now,
    )
    await _add_open(session, correction)
    for position, item in enumerate(stored):
        await repository.add_item(
            CorrectionEvidence(
                correction_id=correction.id,
                position=position,
                file_key=item.key,
                media_type=item.media_type,
                size=item.size,
            )
        )
    await _announce_request(session, audit, outbox, correction, actor=str(user_id))
    return correction


async def open_from_photo_check(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    *,
    record: RecordModel,
    kind: RecordKind,
    user_id: uuid.UUID,
    wrong_fields: list[str],
    now: datetime,
) -> Correction:
    """The request a "wrong" photo check opens; an already open request of the record is
    reused (one open request per record), so the student's own values are not lost."""
    repository = CorrectionRepository(session)
    existing = await repository.open_for(kind, record.id)
    if existing is not None:
        return existing
    correction = Correction(
        kind=kind.value,
        record_id=record.id,
        institution_id=record.institution_id,
        user_id=user_id,
        status="open",
        fields=list(wrong_fields),
        proposed={},
        origin="photo_check",
        created_at=now,
    )
    await _add_open(session, correction)
    await _announce_request(session, audit, outbox, correction, actor=str(user_id))
    return correction


async def _add_open(session: AsyncSession, correction: Correction) -> None:
    """Insert an open request; losing the race to another one for the record is a 409."""
    try:
        async with session.begin_nested():
            session.add(correction)
            await session.flush()
    except IntegrityError as exc:
        if "uq_corrections_one_open_per_record" in str(exc.orig):
            raise CorrectionAlreadyOpen() from None
        raise


async def _announce_request(
    session: AsyncSession, audit: AuditLog, outbox: Outbox, correction: Correction, *, actor: str
) -> None:
    await outbox.add(
        session,
        CorrectionRequested(
            correction_id=correction.id,
            record_id=correction.record_id,
            kind=RecordKind(correction.kind),
            institution_id=correction.institution_id,
            user_id=correction.user_id,
            fields=list(correction.fields),
        ),
        subject=str(correction.id),
    )
    await audit.record(
        session,
        actor=actor,
        action="correction.requested",
        subject_type="correction",
        subject_id=str(correction.id),
        # Field names and the non-sensitive proposals only: a proposed ID number stays sealed.
        after={
            "record_id": str(correction.record_id),
            "kind": correction.kind,
            "fields": list(correction.fields),
            "proposed": dict(correction.proposed),
            "origin": correction.origin,
        },
    )


async def get_for_student(
    session: AsyncSession, correction_id: uuid.UUID, user_id: uuid.UUID
) -> Correction:
    """The student's own request, or 404."""
    correction = await CorrectionRepository(session).by_id(correction_id, user_id=user_id)
    if correction is None:
        raise CorrectionNotFound()
    return correction


async def get_for_institution(
    session: AsyncSession, correction_id: uuid.UUID, actor: InstitutionActor
) -> Correction:
    """A request of the actor's institution (any, for operators); another's is 404."""
    correction = await CorrectionRepository(session).by_id(
        correction_id, institution_id=actor.institution_id
    )
    if correction is None:
        raise CorrectionNotFound()
    return correction


async def decide(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    secrets: Secrets,
    settings: RecordsSettings,
    *,
    correction_id: uuid.UUID,
    actor: InstitutionActor,
    accept: bool,
    reason: str | None,
    values: dict[str, str],
    now: datetime,
) -> Correction:
    """Accept (the record gets a new version) or reject a request, once."""
    repository = CorrectionRepository(session)
    correction = await repository.by_id(
        correction_id, institution_id=actor.institution_id, lock=True
    )
    if correction is None:
        raise CorrectionNotFound()
    if correction.status != "open":
        raise CorrectionAlreadyDecided()
    kind = RecordKind(correction.kind)
    if accept:
        correction.applied_version = await _apply(
            session, audit, outbox, secrets, settings, correction, kind, values, actor, reason
        )
    correction.status = "accepted" if accept else "rejected"
    correction.decided_at = now
    correction.decided_by = actor.actor
    correction.decision_reason = reason
    await session.flush()
    await outbox.add(
        session,
        CorrectionDecided(
            correction_id=correction.id,
            record_id=correction.record_id,
            kind=kind,
            institution_id=correction.institution_id,
            user_id=correction.user_id,
            decision="accepted" if accept else "rejected",
            reason=reason,
        ),
        subject=str(correction.id),
    )
    await audit.record(
        session,
        actor=actor.actor,
        action="correction.decided",
        subject_type="correction",
        subject_id=str(correction.id),
        before={"status": "open"},
        after={
            "status": correction.status,
            "reason": reason,
            "applied_version": correction.applied_version,
        },
    )
    return correction


async def _apply(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    secrets: Secrets,
    settings: RecordsSettings,
    correction: Correction,
    kind: RecordKind,
    values: dict[str, str],
    actor: InstitutionActor,
    reason: str | None,
) -> int | None:
    """Write the accepted values as a new version; None when there is nothing to write (the
    photo, which the institution replaces by uploading a new one, or unchanged values)."""
    record = await get_record(
        session, kind=kind, record_id=correction.record_id, institution_id=None
    )
    proposed: dict[str, Any] = dict(correction.proposed)
    if correction.proposed_id_number_encrypted is not None:
        proposed["id_number"] = secrets.personal.decrypt(
            correction.proposed_id_number_encrypted, context=ID_NUMBER_CONTEXT
        )
    # The deciding staff may supply or amend values (a photo check names fields, not values).
    chosen = {**proposed, **values}
    missing = [
        name for name in correction.fields if name != "photo" and chosen.get(name) in (None, "")
    ]
    if missing:
        message = Text("Give the corrected value", "请填写更正后的值")
        raise ValidationFailed(
            errors=[FieldError(f"values.{name}", "required", message) for name in missing]
        )
    changes = {name: chosen[name] for name in correction.fields if name != "photo"}
    if not changes:
        return None
    await _check_values(session, settings, secrets, record, kind, changes, "values")
    row = {**_current_row(record, kind, secrets), **changes}
    student_number = row.pop("student_number")
    reported = await report_record(
        session,
        audit,
        outbox,
        secrets,
        settings,
        kind=kind,
        institution_id=record.institution_id,
        student_number=student_number,
        fields=row,
        reason=reason or "更正申请 / correction request",
        actor=actor.actor,
        source=f"correction:{correction.id}",
    )
    return reported.record.version if reported.changed else None


async def evidence_of(session: AsyncSession, correction: Correction) -> list[CorrectionEvidence]:
    return list(await CorrectionRepository(session).evidence(correction.id))


async def evidence_file(
    session: AsyncSession, storage: FileStorage, correction: Correction, evidence_id: uuid.UUID
) -> tuple[bytes, str]:
    """The bytes and type of one evidence file of a request the caller may see."""
    item = await CorrectionRepository(session).evidence_file(correction.id, evidence_id)
    if item is None:
        raise CorrectionNotFound()
    return await storage.read(item.file_key), item.media_type
