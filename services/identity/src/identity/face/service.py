"""Real-person verification sessions: start, signed app callback, expiry, latest result."""

import json
import logging
import time
import uuid
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.crypto import constant_time_equals
from educert_common.db import utcnow
from educert_common.errors import NotFound, Text, ValidationFailed
from identity.accounts.repository import UserRepository
from identity.accounts.service import get_user
from identity.base import audit
from identity.config import IdentitySettings
from identity.crypto import secrets_for
from identity.exceptions import CallbackRejected, CallbackReplayed, FaceSessionClosed
from identity.face.models import FaceSession
from identity.face.repository import FaceSessionRepository
from identity.face.schemas import CallbackBody
from identity.face.signing import sign

logger = logging.getLogger(__name__)

# failure_reason when the verified person is not the account holder.
PERSON_MISMATCH = "person_mismatch"


def _challenge(settings: IdentitySettings, session_id: uuid.UUID) -> str:
    """Binds the QR payload to the session: the app echoes it back in its callback."""
    return sign(secrets_for(settings).face_key, "qr", str(session_id), b"")[:32]


def qr_payload(settings: IdentitySettings, face: FaceSession) -> str:
    return json.dumps(
        {
            "v": 1,
            "type": "educert.face_verification",
            "session_id": str(face.id),
            "challenge": _challenge(settings, face.id),
            "callback": f"{settings.public_base_url.rstrip('/')}/api/v1/identity/face/callback",
            "expires_at": int(face.expires_at.timestamp()),
        },
        separators=(",", ":"),
    )


def effective_status(face: FaceSession) -> str:
    if face.status == "pending" and face.expires_at <= utcnow():
        return "expired"
    return face.status


async def start(session: AsyncSession, settings: IdentitySettings, *, user_id: str) -> FaceSession:
    """Open a face-verification session for the caller; the QR payload goes to the app."""
    user = await get_user(session, user_id)
    now = utcnow()
    face = FaceSession(
        id=uuid.uuid4(),
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.face_session_ttl_seconds),
        status="pending",
    )
    await FaceSessionRepository(session).add(face)
    await audit(
        session,
        actor=str(user.id),
        action="face.started",
        subject_type="face_session",
        subject_id=face.id,
    )
    return face


async def get_own(session: AsyncSession, *, user_id: str, session_id: uuid.UUID) -> FaceSession:
    try:
        owner = uuid.UUID(user_id)
    except ValueError:  # a partner token (sub=partner:<prefix>) owns no face sessions
        raise NotFound() from None
    face = await FaceSessionRepository(session).owned(session_id, owner)
    if face is None:
        raise NotFound()
    return face


def verify_signature(
    settings: IdentitySettings, *, timestamp: str, nonce: str, signature: str, body: bytes
) -> None:
    """Signature first, then the timestamp window; nothing in the body is read before."""
    if not (timestamp and nonce and signature) or len(nonce) > 64 or len(signature) > 128:
        raise CallbackRejected()
    expected = sign(secrets_for(settings).face_key, timestamp, nonce, body)
    if not constant_time_equals(expected, signature.lower()):
        raise CallbackRejected()
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise CallbackRejected() from None
    if abs(time.time() - sent_at) > settings.face_callback_window_seconds:
        raise CallbackRejected(
            Text("The callback is too old or from the future", "回调时间戳超出允许范围")
        )


async def handle_callback(
    session: AsyncSession,
    settings: IdentitySettings,
    *,
    timestamp: str,
    nonce: str,
    signature: str,
    body: bytes,
) -> FaceSession:
    """Complete a session from the app's signed callback (each nonce accepted once)."""
    verify_signature(settings, timestamp=timestamp, nonce=nonce, signature=signature, body=body)
    try:
        data = CallbackBody.model_validate_json(body)
    except ValidationError as exc:
        raise ValidationFailed(Text("The callback body is malformed", "回调内容格式错误")) from exc
    repository = FaceSessionRepository(session)
    if not await repository.remember_nonce(nonce):
        raise CallbackReplayed()
    face = await repository.for_update(data.session_id)
    if face is None or not constant_time_equals(data.challenge, _challenge(settings, face.id)):
        raise NotFound()
    if effective_status(face) != "pending":
        raise FaceSessionClosed()
    passed = data.result == "pass"
    reason = data.reason if not passed else None
    if passed:
        # The face that passed must be the account holder's, not whoever scanned the QR.
        holder = await UserRepository(session).get(face.user_id)
        expected = holder.id_number_hash if holder is not None else None
        if expected is None or not constant_time_equals(data.id_number_hash or "", expected):
            passed, reason = False, PERSON_MISMATCH
    face.status = "passed" if passed else "failed"
    face.completed_at = utcnow()
    face.failure_reason = reason
    # Someone else's entry/exit records never land on this account.
    face.entry_exit_records = data.entry_exit_records if reason != PERSON_MISMATCH else None
    await session.flush()
    await audit(
        session,
        actor="face-app",
        action=f"face.{face.status}",
        subject_type="face_session",
        subject_id=face.id,
        after={
            "user_id": str(face.user_id),
            "records": len(data.entry_exit_records),
            "reason": face.failure_reason,
        },
    )
    return face


async def latest_passed(session: AsyncSession, *, user_id: uuid.UUID) -> FaceSession:
    face = await FaceSessionRepository(session).latest_passed(user_id)
    if face is None:
        raise NotFound(Text("No passed face verification", "没有通过的人脸核验"))
    return face


async def expire_sessions_job(runtime: Any) -> None:
    """Background job: mark overdue pending sessions expired, every 30 s."""
    import asyncio

    while True:
        try:
            async with runtime.database.transaction() as session:
                count = await FaceSessionRepository(session).expire_overdue()
            if count:
                logger.info("face sessions expired", extra={"count": count})
        except Exception as exc:  # keep the loop alive when the database blips
            logger.warning("face expiry sweep failed", extra={"error": repr(exc)})
        await asyncio.sleep(30)
