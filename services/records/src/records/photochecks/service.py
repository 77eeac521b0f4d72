"""Photo checks (图像校对) and the photo on a record.

The student answers "correct" or "wrong" (naming the wrong fields) for a record bound to
them. As on CHSI, a conclusion takes effect 24 hours after it was given: until then it may be
changed, and every change gives it a fresh 24 hours; after that it is final. It is concluded
once, whichever comes first: a read of the check after the 24 hours (lazily) or the background
job (`records.photochecks.jobs`). Concluding writes `records.photo_check.concluded`; a "wrong"
conclusion opens a correction request for the named fields in the same transaction.

The photo is uploaded by the record's institution; a new photo is a new version of the record
(a `record_versions` row with source "photo"), while the record's content hash (the reported
facts) stays as it was, so re-reporting the same facts does not touch the photo.
"""

import io
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image, ImageOps
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.audit import AuditLog
from educert_common.events.catalogue import PhotoCheckConcluded
from educert_common.events.outbox import Outbox
from educert_common.storage import IMAGE_TYPES, FileStorage, UploadPolicy, inspect_upload
from records.academic.models import RecordModel
from records.academic.repository import RecordRepository
from records.academic.rules import RecordKind
from records.academic.service import facts_of, publish_version
from records.corrections import service as corrections
from records.exceptions import PhotoCheckFinal, PhotoNotFound, RecordNotFound
from records.institutions.service import reporting_institution
from records.photochecks.models import PhotoCheck
from records.photochecks.repository import PhotoCheckRepository

WINDOW = timedelta(hours=24)
CHECKED_FIELDS = ("photo", "name", "id_number", "birth_date", "major")
PHOTO_POLICY = UploadPolicy(
    allowed_types=IMAGE_TYPES,
    max_bytes=2 * 1024 * 1024,
    min_dimensions=(90, 120),
    max_dimensions=(2000, 2000),
    field="photo",
)


@dataclass(frozen=True)
class PhotoChange:
    record: RecordModel
    changed: bool


def strip_metadata(content: bytes) -> bytes:
    """Re-encode the image as a JPEG without EXIF or other metadata (GPS, camera, time),
    upright; transparency goes onto white. Every stored photo is a JPEG, whatever came in."""
    with Image.open(io.BytesIO(content)) as image:
        upright = ImageOps.exif_transpose(image)
        if upright.mode in ("RGBA", "LA") or "transparency" in upright.info:
            rgba = upright.convert("RGBA")
            upright = Image.new("RGB", rgba.size, (255, 255, 255))
            upright.paste(rgba, mask=rgba.getchannel("A"))
        out = io.BytesIO()
        upright.convert("RGB").save(out, format="JPEG", quality=92)
        return out.getvalue()


async def set_photo(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    storage: FileStorage,
    *,
    kind: RecordKind,
    institution_id: str,
    student_number: str,
    content: bytes,
    actor: str,
    reason: str | None,
    now: datetime,
) -> PhotoChange:
    """Put a new photo on a record of the institution: a new version; the same photo again
    changes nothing."""
    await reporting_institution(session, institution_id)
    repository = RecordRepository(session, kind)
    record = await repository.by_student_number(institution_id, student_number, lock=True)
    if record is None:
        raise RecordNotFound()
    inspect_upload(content, PHOTO_POLICY)
    stored = await storage.put(strip_metadata(content), PHOTO_POLICY)
    if record.photo_key == stored.key:
        return PhotoChange(record, changed=False)
    before = record.photo_key
    record.photo_key = stored.key
    record.version += 1
    record.updated_by = actor
    record.updated_at = now
    await publish_version(
        session,
        outbox,
        record,
        kind,
        facts={**facts_of(record, kind), "photo_key": stored.key},
        actor=actor,
        reason=reason,
        source="photo",
    )
    await audit.record(
        session,
        actor=actor,
        action="record.photo_changed",
        subject_type=f"record.{kind.value}",
        subject_id=str(record.id),
        before={"photo_key": before},
        after={"photo_key": stored.key, "version": record.version, "reason": reason},
    )
    return PhotoChange(record, changed=True)


async def photo_of(storage: FileStorage, record: RecordModel) -> bytes:
    """The photo's bytes (always a JPEG: uploads are re-encoded)."""
    if record.photo_key is None:
        raise PhotoNotFound()
    return await storage.read(record.photo_key)


async def owned_record(
    session: AsyncSession, kind: RecordKind, record_id: uuid.UUID, user_id: uuid.UUID
) -> RecordModel:
    """A record bound to the caller, or 404 (another student's is not found either)."""
    record = await PhotoCheckRepository(session).owned_record(kind, record_id, user_id)
    if record is None:
        raise RecordNotFound()
    return record


async def current_check(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    *,
    kind: RecordKind,
    record: RecordModel,
    now: datetime,
) -> PhotoCheck | None:
    """The record's check, concluded first if its 24 hours are over (lazily, on read)."""
    repository = PhotoCheckRepository(session)
    check = await repository.of_record(kind, record.id)
    if check is not None and check.concluded_at is None and check.effective_at <= now:
        locked = await repository.lock_due(check.id, now)
        if locked is not None:
            await conclude(session, audit, outbox, locked, record=record, now=now)
        check = await repository.of_record(kind, record.id, lock=False)
    return check


async def answer(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    *,
    kind: RecordKind,
    record_id: uuid.UUID,
    user_id: uuid.UUID,
    conclusion: str,
    wrong_fields: list[str],
    now: datetime,
) -> tuple[PhotoCheck, bool]:
    """Give or change the answer for the caller's record; after 24 hours it is final (409)."""
    repository = PhotoCheckRepository(session)
    # Locking the record serialises a student's concurrent first answers.
    record = await repository.owned_record(kind, record_id, user_id, lock=True)
    if record is None:
        raise RecordNotFound()
    check = await repository.of_record(kind, record_id, lock=True)
    if check is not None and (check.concluded_at is not None or check.effective_at <= now):
        raise PhotoCheckFinal()
    created = check is None
    before = None
    if check is None:
        check = PhotoCheck(
            kind=kind.value,
            record_id=record_id,
            institution_id=record.institution_id,
            user_id=user_id,
            first_answered_at=now,
            changes=0,
        )
    else:
        before = {"conclusion": check.conclusion, "wrong_fields": list(check.wrong_fields)}
        check.changes += 1
    check.conclusion = conclusion
    check.wrong_fields = list(wrong_fields)
    check.answered_at = now
    check.effective_at = now + WINDOW
    if created:
        await repository.add(check)
    await session.flush()
    await audit.record(
        session,
        actor=str(user_id),
        action="photo_check.answered" if created else "photo_check.changed",
        subject_type="photo_check",
        subject_id=str(check.id),
        before=before,
        after={
            "record_id": str(record_id),
            "conclusion": conclusion,
            "wrong_fields": list(wrong_fields),
            "effective_at": check.effective_at.isoformat(),
        },
    )
    return check, created


async def conclude(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    check: PhotoCheck,
    *,
    record: RecordModel | None,
    now: datetime,
) -> None:
    """Make a locked, due check final: open the correction of a "wrong" one, emit the event."""
    kind = RecordKind(check.kind)
    if check.conclusion == "wrong":
        if record is None:
            record = await RecordRepository(session, kind).by_id(
                check.record_id, institution_id=None
            )
        if record is not None:
            correction = await corrections.open_from_photo_check(
                session,
                audit,
                outbox,
                record=record,
                kind=kind,
                user_id=check.user_id,
                wrong_fields=list(check.wrong_fields),
                now=now,
            )
            check.correction_id = correction.id
    check.concluded_at = now
    await session.flush()
    await outbox.add(
        session,
        PhotoCheckConcluded(
            record_id=check.record_id,
            kind=kind,
            user_id=check.user_id,
            conclusion=check.conclusion,  # type: ignore[arg-type]
            wrong_fields=list(check.wrong_fields),
            correction_id=check.correction_id,
        ),
        subject=str(check.id),
    )
    await audit.record(
        session,
        actor="system",
        action="photo_check.concluded",
        subject_type="photo_check",
        subject_id=str(check.id),
        after={
            "conclusion": check.conclusion,
            "wrong_fields": list(check.wrong_fields),
            "correction_id": str(check.correction_id) if check.correction_id else None,
        },
    )
