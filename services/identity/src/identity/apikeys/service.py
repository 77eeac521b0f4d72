"""Partner API keys: issue (shown once), rotate with overlap, revoke, exchange for a token.

Key format: `ek_<prefix>_<secret>`; prefix is 8 random base32 characters (visible, for
support), secret 32 random bytes (256 bits) URL-safe base64. Only SHA-256(key) is stored.
"""

import base64
import os
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.crypto import constant_time_equals, random_token
from educert_common.db import utcnow
from educert_common.errors import Conflict, FieldError, NotFound, Text, ValidationFailed
from educert_common.events.outbox import Outbox
from identity import service as keys
from identity.apikeys.models import SCOPES, ApiKey
from identity.apikeys.repository import ApiKeyRepository
from identity.base import audit
from identity.config import IdentitySettings
from identity.crypto import sha256_hex
from identity.exceptions import ApiKeyRejected
from identity.revocations.service import revoke_credentials

KEY_PATTERN = re.compile(r"^ek_([a-z2-7]{8})_([A-Za-z0-9_\-]{43})$")
# Do not write last_used_at more often than this (the gateway caches tokens anyway).
LAST_USED_GRANULARITY = timedelta(seconds=60)


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # the whole key, shown once


def _new_key_material() -> tuple[str, str]:
    prefix = base64.b32encode(os.urandom(5)).decode().lower()  # 8 characters
    secret = random_token(32)  # 43 characters, 256 bits
    return prefix, f"ek_{prefix}_{secret}"


def check_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - SCOPES)
    if unknown or not scopes:
        message = Text(
            f"Scopes must be some of: {', '.join(sorted(SCOPES))}",
            f"权限范围须为:{', '.join(sorted(SCOPES))}",
        )
        raise ValidationFailed(message, errors=[FieldError("scopes", "scope_unknown", message)])
    return sorted(set(scopes))


def status_of(key: ApiKey, now: datetime | None = None) -> str:
    now = now or utcnow()
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= now:
        return "expired"
    return "active"


async def issue(
    session: AsyncSession,
    *,
    actor: str,
    name: str,
    institution_id: str,
    scopes: list[str],
    expires_at: datetime | None,
    rotated_from: uuid.UUID | None = None,
) -> IssuedKey:
    """Create a key for an institution; the caller shows `secret` once and never again."""
    scopes = check_scopes(scopes)
    if expires_at is not None and expires_at <= utcnow():
        message = Text("The expiry is in the past", "过期时间早于当前时间")
        raise ValidationFailed(message, errors=[FieldError("expires_at", "past", message)])
    prefix, secret = _new_key_material()
    key = ApiKey(
        id=uuid.uuid4(),
        created_at=utcnow(),
        created_by=actor,
        name=name,
        institution_id=institution_id,
        prefix=prefix,
        secret_hash=sha256_hex(secret),
        scopes=scopes,
        expires_at=expires_at,
        rotated_from_id=rotated_from,
    )
    await ApiKeyRepository(session).add(key)
    await audit(
        session,
        actor=actor,
        action="api_key.issued",
        subject_type="api_key",
        subject_id=key.id,
        after={"prefix": prefix, "institution_id": institution_id, "scopes": scopes},
    )
    return IssuedKey(key, secret)


async def _load(session: AsyncSession, key_id: uuid.UUID) -> ApiKey:
    key = await ApiKeyRepository(session).for_update(key_id)
    if key is None:
        raise NotFound()
    return key


async def rotate(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    actor: str,
    key_id: uuid.UUID,
    overlap_hours: int,
) -> IssuedKey:
    """Issue a successor with the same scopes; the old key works until the overlap ends."""
    if not 0 <= overlap_hours <= settings.api_key_max_overlap_hours:
        message = Text(
            f"The overlap is 0 to {settings.api_key_max_overlap_hours} hours",
            f"重叠期为 0 到 {settings.api_key_max_overlap_hours} 小时",
        )
        raise ValidationFailed(message, errors=[FieldError("overlap_hours", "range", message)])
    old = await _load(session, key_id)
    if status_of(old) != "active" or old.rotated_to_id is not None:
        raise Conflict(
            Text("Only an active, unrotated key can be rotated", "只有有效且未轮换的密钥可以轮换")
        )
    new = await issue(
        session,
        actor=actor,
        name=old.name,
        institution_id=old.institution_id,
        scopes=list(old.scopes),
        expires_at=None,
        rotated_from=old.id,
    )
    deadline = utcnow() + timedelta(hours=overlap_hours)
    old.expires_at = min(old.expires_at, deadline) if old.expires_at else deadline
    old.rotated_to_id = new.key.id
    await session.flush()
    if old.expires_at <= utcnow():
        # No overlap: the old key's tokens stop now. With an overlap, tokens exchanged for it
        # never outlive its expiry (the exchange caps their TTL), so nothing needs announcing.
        await revoke_credentials(
            session, outbox, settings, kind="api_key", ids=[old.id], reason="api_key_rotated"
        )
    await audit(
        session,
        actor=actor,
        action="api_key.rotated",
        subject_type="api_key",
        subject_id=old.id,
        after={"successor": str(new.key.id), "old_expires_at": old.expires_at.isoformat()},
    )
    return new


async def revoke(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    actor: str,
    key_id: uuid.UUID,
) -> ApiKey:
    """Revoke a key; tokens already exchanged for it are refused everywhere within seconds."""
    key = await _load(session, key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await session.flush()
        await revoke_credentials(
            session, outbox, settings, kind="api_key", ids=[key.id], reason="api_key_revoked"
        )
        await audit(
            session,
            actor=actor,
            action="api_key.revoked",
            subject_type="api_key",
            subject_id=key.id,
        )
    return key


async def get(session: AsyncSession, key_id: uuid.UUID) -> ApiKey:
    key = await ApiKeyRepository(session).get(key_id)
    if key is None:
        raise NotFound()
    return key


async def exchange(
    session: AsyncSession, settings: IdentitySettings, *, api_key: str
) -> tuple[str, int]:
    """Turn a valid key into a short-lived access token (roles partner, inst, scope)."""
    match = KEY_PATTERN.fullmatch(api_key.strip())
    if match is None:
        raise ApiKeyRejected()
    key = await ApiKeyRepository(session).by_prefix(match.group(1))
    # Compare even when the prefix is unknown, so timing says nothing about prefixes.
    stored = key.secret_hash if key is not None else "0" * 64
    if not constant_time_equals(stored, sha256_hex(api_key.strip())) or key is None:
        raise ApiKeyRejected()
    now = utcnow()
    if status_of(key, now) != "active":
        raise ApiKeyRejected()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_GRANULARITY:
        key.last_used_at = now
        await session.flush()
    ttl = settings.api_key_token_ttl_seconds
    if key.expires_at is not None:
        ttl = max(1, min(ttl, int((key.expires_at - now).total_seconds())))
    token = await keys.issue_access_token(
        session,
        subject=f"partner:{key.prefix}",
        roles=["partner"],
        institution=key.institution_id,
        scopes=key.scopes,
        ttl=timedelta(seconds=ttl),
        settings=settings,
        extra_claims={"api_key_id": str(key.id)},
    )
    return token, ttl
