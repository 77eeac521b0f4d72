"""Photo upload attempts (学历照片上传): upload, pay, registry check, manual review.

A student whose bound record has no photo, or whose photo check concluded "wrong", uploads a
photo (`rules.check_photo`); the attempt waits for its 2 CNY order (created through payment
after the commit, `clients.create_order`). `payment.order.paid` (records.events) marks it
paid; the background job (`photos.jobs`) then asks identity, outside any transaction, whether
the account is the record's person per the population registry. A match puts the photo in
the review queue of the record's institution with an expected date (`review_due_on`, plain
calendar days from RECORDS_PHOTO_REVIEW_DAYS); staff or operators approve it (it becomes the
record's photo: a new version, audited) or reject it with a reason. Every state change goes
through `move`, which knows the allowed transitions (`models.TRANSITIONS`).
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.audit import AuditLog
from educert_common.events.catalogue import (
    PhotoApproved,
    PhotoAttemptPaid,
    PhotoRegistryChecked,
    PhotoRejected,
)
from educert_common.events.outbox import Outbox
from educert_common.storage import FileStorage, UploadPolicy
from records.academic.models import RecordModel
from records.academic.rules import RecordKind
from records.academic.service import facts_of, publish_version
from records.access import InstitutionActor
from records.config import RecordsSettings
from records.exceptions import RecordNotFound
from records.photochecks.repository import PhotoCheckRepository
from records.photos import rules
from records.photos.clients import RegistryAnswer
from records.photos.exceptions import (
    PhotoAttemptNotFound,
    PhotoAttemptNotInState,
    PhotoAttemptOpen,
    PhotoUploadNotAllowed,
)
from records.photos.models import (
    APPROVED,
    AWAITING_PAYMENT,
    CANCELLED,
    IN_REVIEW,
    PAID,
    REGISTRY_CHECKING,
    REGISTRY_FAILED,
    REJECTED,
    TRANSITIONS,
    PhotoAttempt,
)
from records.photos.repository import PhotoAttemptRepository

SHANGHAI = ZoneInfo("Asia/Shanghai")
# What storage keeps: the stripped JPEG (its own check is the same as the upload's, bar the
# size band, which applies to the file as uploaded).
STORED_POLICY = UploadPolicy(
    allowed_types=frozenset({"image/jpeg"}),
    max_bytes=rules.MAX_BYTES,
    exact_dimensions=(rules.WIDTH, rules.HEIGHT),
    field=rules.FIELD,
)


def move(attempt: PhotoAttempt, to: str, now: datetime) -> None:
    """The one place an attempt's state changes; a move its state does not allow is 409."""
    if to not in TRANSITIONS[attempt.status]:
        raise PhotoAttemptNotInState(attempt.status)
    attempt.status = to
    attempt.updated_at = now


def review_due_on(now: datetime, days: int) -> date:
    """The day the review is expected by: plain calendar days after it started (Beijing)."""
    return now.astimezone(SHANGHAI).date() + timedelta(days=days)


async def may_upload(session: AsyncSession, kind: RecordKind, record: RecordModel) -> bool:
    """A record without a photo, or whose photo check concluded "wrong" about the photo it
    still has: once an upload was approved after that conclusion, the photo judged wrong is
    gone and another (paid) upload is refused."""
    if record.photo_key is None:
        return True
    check = await PhotoCheckRepository(session).of_record(kind, record.id)
    if check is None or check.concluded_at is None or check.conclusion != "wrong":
        return False
    return not await PhotoAttemptRepository(session).approved_since(
        kind.value, record.id, check.concluded_at
    )


async def upload(
    session: AsyncSession,
    audit: AuditLog,
    storage: FileStorage,
    *,
    kind: RecordKind,
    record_id: uuid.UUID,
    user_id: uuid.UUID,
    content: bytes,
    now: datetime,
) -> PhotoAttempt:
    """Check the photo and open an attempt awaiting payment (the caller then creates the
    order). Another student's record is not found; one open attempt per record."""
    checked = rules.check_photo(content)
    # Locking the record serialises one student's concurrent uploads.
    record = await PhotoCheckRepository(session).owned_record(kind, record_id, user_id, lock=True)
    if record is None:
        raise RecordNotFound()
    if not await may_upload(session, kind, record):
        raise PhotoUploadNotAllowed()
    repository = PhotoAttemptRepository(session)
    if await repository.open_of_record(kind.value, record_id) is not None:
        raise PhotoAttemptOpen()
    stored = await storage.put(checked.content, STORED_POLICY)
    attempt = PhotoAttempt(
        kind=kind.value,
        record_id=record_id,
        institution_id=record.institution_id,
        user_id=user_id,
        status=AWAITING_PAYMENT,
        photo_key=stored.key,
        uploaded_bytes=checked.uploaded_bytes,
        registry_tries=0,
        created_at=now,
        updated_at=now,
    )
    await repository.add(attempt)
    await audit.record(
        session,
        actor=str(user_id),
        action="photo_attempt.uploaded",
        subject_type="photo_attempt",
        subject_id=str(attempt.id),
        after={
            "kind": kind.value,
            "record_id": str(record_id),
            "photo_key": stored.key,
            "uploaded_bytes": checked.uploaded_bytes,
        },
    )
    return attempt


async def my_attempt(
    session: AsyncSession, *, attempt_id: uuid.UUID, user_id: uuid.UUID
) -> PhotoAttempt:
    attempt = await PhotoAttemptRepository(session).owned(attempt_id, user_id)
    if attempt is None:
        raise PhotoAttemptNotFound()
    return attempt


async def attempt_for_reviewer(
    session: AsyncSession, *, attempt_id: uuid.UUID, actor: InstitutionActor, lock: bool = False
) -> PhotoAttempt:
    """An attempt on a record of the actor's institution (any, for operators); another
    institution's is not found."""
    attempt = await PhotoAttemptRepository(session).of_institution(
        attempt_id, actor.institution_id, lock=lock
    )
    if attempt is None:
        raise PhotoAttemptNotFound()
    return attempt


async def attach_order(
    session: AsyncSession, *, attempt_id: uuid.UUID, order_id: uuid.UUID
) -> PhotoAttempt:
    """Note the payment order created for an attempt awaiting payment."""
    attempt = await PhotoAttemptRepository(session).by_id(attempt_id, lock=True)
    if attempt is None:
        raise PhotoAttemptNotFound()
    if attempt.order_id is None:
        attempt.order_id = order_id
    await session.flush()
    return attempt


async def order_paid(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    *,
    attempt_id: uuid.UUID,
    order_id: uuid.UUID,
    user_id: uuid.UUID,
    now: datetime,
) -> PhotoAttempt | None:
    """Mark an attempt paid and due for its registry check (a second paid event changes
    nothing; anyone's order naming the attempt but its student's is ignored)."""
    attempt = await PhotoAttemptRepository(session).by_id(attempt_id, lock=True)
    if attempt is None or attempt.status != AWAITING_PAYMENT or attempt.user_id != user_id:
        return attempt
    if attempt.order_id not in (None, order_id):
        return attempt
    move(attempt, PAID, now)
    attempt.order_id = order_id
    attempt.paid_at = now
    attempt.registry_due_at = now
    await session.flush()
    await outbox.add(
        session,
        PhotoAttemptPaid(
            attempt_id=attempt.id,
            user_id=attempt.user_id,
            kind=attempt.kind,  # type: ignore[arg-type]
            record_id=attempt.record_id,
            order_id=order_id,
        ),
        subject=str(attempt.id),
    )
    await audit.record(
        session,
        actor="system",
        action="photo_attempt.paid",
        subject_type="photo_attempt",
        subject_id=str(attempt.id),
        after={"order_id": str(order_id)},
    )
    return attempt


async def order_expired(
    session: AsyncSession,
    *,
    attempt_id: uuid.UUID,
    order_id: uuid.UUID,
    user_id: uuid.UUID,
    now: datetime,
) -> None:
    """An attempt whose order expired unpaid is cancelled (the record is free for another)."""
    attempt = await PhotoAttemptRepository(session).by_id(attempt_id, lock=True)
    if attempt is None or attempt.status != AWAITING_PAYMENT or attempt.user_id != user_id:
        return
    if attempt.order_id not in (None, order_id):
        return
    move(attempt, CANCELLED, now)
    await session.flush()


@dataclass(frozen=True)
class RegistryQuestion:
    """What the job asks identity for one claimed attempt (read in the claim's transaction)."""

    attempt_id: uuid.UUID
    user_id: uuid.UUID
    real_name: str
    id_number_hash: str
    photo_sha256: str


def registry_backoff(tries: int, settings: RecordsSettings) -> timedelta:
    seconds = settings.photo_registry_retry_seconds * 2 ** max(tries - 1, 0)
    return timedelta(seconds=min(seconds, settings.photo_registry_retry_max_seconds))


async def claim_registry_check(
    session: AsyncSession, *, attempt_id: uuid.UUID, settings: RecordsSettings, now: datetime
) -> RegistryQuestion | None:
    """Take a due attempt for its registry check: it is `registry_checking` with a lease
    (`registry_due_at`), after which it is asked again if no answer was recorded."""
    attempt = await PhotoAttemptRepository(session).lock_registry_due(attempt_id, now)
    if attempt is None:
        return None
    if attempt.status == PAID:
        move(attempt, REGISTRY_CHECKING, now)
    attempt.registry_tries += 1
    attempt.registry_due_at = now + registry_backoff(attempt.registry_tries, settings)
    record = await PhotoCheckRepository(session).owned_record(
        RecordKind(attempt.kind), attempt.record_id, attempt.user_id
    )
    await session.flush()
    if record is None:
        # The record left the student's archive after paying: no person to check.
        return RegistryQuestion(attempt.id, attempt.user_id, "", "", attempt.photo_key)
    return RegistryQuestion(
        attempt.id, attempt.user_id, record.name, record.id_number_hash, attempt.photo_key
    )


async def registry_answered(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    *,
    attempt_id: uuid.UUID,
    answer: RegistryAnswer,
    settings: RecordsSettings,
    now: datetime,
) -> PhotoAttempt | None:
    """Record the registry's answer: the photo waits for review, or the attempt failed."""
    attempt = await PhotoAttemptRepository(session).by_id(attempt_id, lock=True)
    if attempt is None or attempt.status != REGISTRY_CHECKING:
        return attempt  # answered already (a second worker after a lease ran out)
    attempt.registry_outcome = answer.outcome
    attempt.registry_field = answer.field
    attempt.registry_checked_at = now
    attempt.registry_due_at = None
    if answer.passed:
        move(attempt, IN_REVIEW, now)
        attempt.review_due_on = review_due_on(now, settings.photo_review_days)
    else:
        move(attempt, REGISTRY_FAILED, now)
    await session.flush()
    await outbox.add(
        session,
        PhotoRegistryChecked(
            attempt_id=attempt.id,
            user_id=attempt.user_id,
            kind=attempt.kind,  # type: ignore[arg-type]
            record_id=attempt.record_id,
            passed=answer.passed,
            outcome=answer.outcome,
            field=answer.field,
            review_due_on=attempt.review_due_on,
        ),
        subject=str(attempt.id),
    )
    await audit.record(
        session,
        actor="system",
        action="photo_attempt.registry_checked",
        subject_type="photo_attempt",
        subject_id=str(attempt.id),
        after={"outcome": answer.outcome, "field": answer.field, "status": attempt.status},
    )
    return attempt


async def review(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    *,
    attempt_id: uuid.UUID,
    actor: InstitutionActor,
    approve: bool,
    reason: str | None,
    now: datetime,
) -> PhotoAttempt:
    """Approve (the photo becomes the record's: a new version) or reject with a reason; only
    an attempt waiting for review (paid, registry passed) is reviewed, once."""
    attempt = await attempt_for_reviewer(session, attempt_id=attempt_id, actor=actor, lock=True)
    if attempt.status != IN_REVIEW:
        raise PhotoAttemptNotInState(attempt.status)
    kind = RecordKind(attempt.kind)
    if approve:
        record = await PhotoCheckRepository(session).owned_record(
            kind, attempt.record_id, attempt.user_id, lock=True
        )
        if record is None:
            raise PhotoUploadNotAllowed()  # the record left the student's archive meanwhile
        move(attempt, APPROVED, now)
        before = record.photo_key
        record.photo_key = attempt.photo_key
        record.version += 1
        record.updated_by = actor.actor
        record.updated_at = now
        await publish_version(
            session,
            outbox,
            record,
            kind,
            facts={**facts_of(record, kind), "photo_key": attempt.photo_key},
            actor=actor.actor,
            reason=reason or "photo upload approved",
            source=f"photo_upload:{attempt.id}",
        )
        attempt.record_version = record.version
        await audit.record(
            session,
            actor=actor.actor,
            action="record.photo_changed",
            subject_type=f"record.{kind.value}",
            subject_id=str(record.id),
            before={"photo_key": before},
            after={
                "photo_key": attempt.photo_key,
                "version": record.version,
                "photo_attempt_id": str(attempt.id),
            },
        )
    else:
        move(attempt, REJECTED, now)
    attempt.reviewed_by = actor.actor
    attempt.reviewed_at = now
    attempt.reason = reason
    await session.flush()
    event: PhotoApproved | PhotoRejected
    if approve:
        assert attempt.record_version is not None
        event = PhotoApproved(
            attempt_id=attempt.id, user_id=attempt.user_id, kind=kind.value,
            record_id=attempt.record_id, institution_id=attempt.institution_id,
            version=attempt.record_version,
        )  # fmt: skip
    else:
        event = PhotoRejected(
            attempt_id=attempt.id, user_id=attempt.user_id, kind=kind.value,
            record_id=attempt.record_id, institution_id=attempt.institution_id,
            reason=reason or "",
        )  # fmt: skip
    await outbox.add(session, event, subject=str(attempt.id))
    await audit.record(
        session,
        actor=actor.actor,
        action="photo_attempt.approved" if approve else "photo_attempt.rejected",
        subject_type="photo_attempt",
        subject_id=str(attempt.id),
        before={"status": IN_REVIEW},
        after={"status": attempt.status, "reason": reason},
    )
    return attempt
