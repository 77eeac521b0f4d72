"""Duplicate-ID appeals: filed with an ID scan and a head photo, decided by operators."""

import uuid
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import utcnow
from educert_common.errors import Conflict, NotFound, Text
from educert_common.events.outbox import Outbox
from educert_common.http.client_ip import address_key
from educert_common.storage import DOCUMENT_TYPES, IMAGE_TYPES, LocalFileStorage, UploadPolicy
from identity.accounts.models import AccountStatus, RealnameStatus
from identity.accounts.registration import Registered, register
from identity.accounts.repository import UserRepository
from identity.accounts.schemas import RegistrationRequest
from identity.appeals.models import Appeal
from identity.appeals.repository import AppealRepository
from identity.base import audit
from identity.config import IdentitySettings
from identity.exceptions import AppealRateLimited
from identity.limits.service import count_and_check
from identity.revocations.service import revoke_credentials
from identity.sessions.service import revoke_all_sessions


def storage_for(settings: IdentitySettings) -> LocalFileStorage:
    return LocalFileStorage(Path(settings.resolved_storage_root()) / "appeals")


def policies(settings: IdentitySettings) -> tuple[UploadPolicy, UploadPolicy]:
    id_scan = UploadPolicy(
        allowed_types=DOCUMENT_TYPES, max_bytes=settings.appeal_max_file_bytes, field="id_scan"
    )
    head_photo = UploadPolicy(
        allowed_types=IMAGE_TYPES,
        max_bytes=settings.appeal_max_file_bytes,
        min_dimensions=(100, 100),
        field="head_photo",
    )
    return id_scan, head_photo


async def count_appeal(session: AsyncSession, settings: IdentitySettings, *, ip: str) -> None:
    """Count an appeal from this client address against the daily cap (the caller commits
    the count before filing)."""
    await count_and_check(
        session,
        kind="appeal",
        key=address_key(ip),
        limit=settings.appeal_daily_cap_per_ip,
        error=AppealRateLimited,
    )


async def file_appeal(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    registration: RegistrationRequest,
    id_scan: bytes,
    head_photo: bytes,
    statement: str | None,
    ip: str,
) -> tuple[Appeal, Registered]:
    """Register an account that claims an already registered ID number, and open its appeal."""
    id_policy, photo_policy = policies(settings)
    storage = storage_for(settings)
    # Check the files before creating anything (the storage refuses by content).
    from educert_common.storage import inspect_upload

    inspect_upload(id_scan, id_policy)
    inspect_upload(head_photo, photo_policy)
    registered = await register(session, outbox, settings, registration, ip=ip, for_appeal=True)
    assert registered.holder is not None
    scan = await storage.put(id_scan, id_policy)
    photo = await storage.put(head_photo, photo_policy)
    appeal = Appeal(
        id=uuid.uuid4(),
        created_at=utcnow(),
        user_id=registered.user.id,
        holder_id=registered.holder.id,
        id_number_hash=registered.user.id_number_hash or "",
        status="pending",
        id_scan_key=scan.key,
        id_scan_type=scan.media_type,
        head_photo_key=photo.key,
        head_photo_type=photo.media_type,
        statement=statement,
    )
    await AppealRepository(session).add(appeal)
    await audit(
        session,
        actor=str(registered.user.id),
        action="appeal.filed",
        subject_type="appeal",
        subject_id=appeal.id,
        after={"holder_id": str(registered.holder.id)},
    )
    return appeal, registered


async def get_appeal(session: AsyncSession, appeal_id: uuid.UUID) -> Appeal:
    appeal = await AppealRepository(session).get(appeal_id)
    if appeal is None:
        raise NotFound()
    return appeal


async def appeal_file(
    session: AsyncSession, settings: IdentitySettings, appeal_id: uuid.UUID, kind: str
) -> tuple[bytes, str]:
    appeal = await get_appeal(session, appeal_id)
    if kind == "id_scan":
        key, media_type = appeal.id_scan_key, appeal.id_scan_type
    elif kind == "head_photo":
        key, media_type = appeal.head_photo_key, appeal.head_photo_type
    else:
        raise NotFound()
    return await storage_for(settings).read(key), media_type


async def decide(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    actor: str,
    appeal_id: uuid.UUID,
    grant: bool,
    reason: str,
) -> Appeal:
    """Grant (the identity moves to the new account, the old one is disabled) or reject."""
    appeal = await AppealRepository(session).for_update(appeal_id)
    if appeal is None:
        raise NotFound()
    if appeal.status != "pending":
        raise Conflict(Text("The appeal is already decided", "该申诉已处理"))
    users = UserRepository(session)
    claimant = await users.get_for_update(appeal.user_id)
    holder = await users.get_for_update(appeal.holder_id)
    if claimant is None or holder is None:
        raise NotFound()
    now = utcnow()
    appeal.decided_at = now
    appeal.decided_by = actor
    appeal.decision_reason = reason
    if grant:
        if not holder.id_holder or holder.id_number_hash != appeal.id_number_hash:
            raise Conflict(
                Text("The ID number moved since the appeal was filed", "证件号码归属已变化")
            )
        appeal.status = "granted"
        holder.id_holder = False
        holder.status = AccountStatus.DISABLED
        await session.flush()  # free the ID number (partial unique index) before moving it
        claimant.id_holder = True
        claimant.realname_status = RealnameStatus.UNVERIFIED
        await session.flush()
        await revoke_all_sessions(
            session, outbox, settings, user_id=holder.id, reason="account_disabled"
        )
        # Every token of the account, whatever session (or none) it names, stops now.
        await revoke_credentials(
            session, outbox, settings, kind="user", ids=[holder.id], reason="account_disabled"
        )
        await audit(
            session,
            actor=actor,
            action="account.disabled_by_appeal",
            subject_type="user",
            subject_id=holder.id,
            after={"appeal_id": str(appeal.id), "identity_moved_to": str(claimant.id)},
        )
    else:
        appeal.status = "rejected"
        claimant.realname_status = RealnameStatus.UNVERIFIED
        await session.flush()
    await audit(
        session,
        actor=actor,
        action=f"appeal.{appeal.status}",
        subject_type="appeal",
        subject_id=appeal.id,
        before={"status": "pending"},
        after={"status": appeal.status, "reason": reason},
    )
    return appeal
