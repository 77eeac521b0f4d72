"""Record a revocation and announce it in the same transaction. Functions flush only."""

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import utcnow
from educert_common.events.catalogue import CredentialsRevoked, RevokedKind
from educert_common.events.outbox import Outbox
from identity.config import IdentitySettings
from identity.revocations.models import CredentialRevocation
from identity.revocations.repository import RevocationRepository

# The catch-up also lists revocations this much past `tokens_expire_by`: verifiers accept a
# token up to their leeway (30 s) after its `exp`.
CATCH_UP_MARGIN = timedelta(seconds=60)
# Rows are deleted this long after their tokens have all expired.
RETENTION_AFTER_EXPIRY = timedelta(hours=1)


async def revoke_credentials(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    kind: RevokedKind,
    ids: Sequence[uuid.UUID],
    reason: str,
) -> None:
    """Make every process refuse the access tokens of these sessions, API keys or users."""
    if not ids:
        return
    now = utcnow()
    lifetime = (
        settings.api_key_token_ttl_seconds
        if kind == "api_key"
        else settings.access_token_ttl_seconds
    )
    tokens_expire_by = now + timedelta(seconds=lifetime)
    repository = RevocationRepository(session)
    await repository.add_many(
        [
            CredentialRevocation(
                id=uuid.uuid4(),
                kind=kind,
                target_id=target,
                reason=reason,
                revoked_at=now,
                tokens_expire_by=tokens_expire_by,
            )
            for target in ids
        ]
    )
    await repository.forget_expired(now - RETENTION_AFTER_EXPIRY)
    await outbox.add(
        session,
        CredentialsRevoked(
            kind=kind,
            ids=list(ids),
            reason=reason,
            revoked_at=now,
            tokens_expire_by=tokens_expire_by,
        ),
        subject=str(ids[0]),
    )


async def still_relevant(session: AsyncSession) -> list[CredentialsRevoked]:
    """Every revocation whose tokens may still be alive (for processes catching up)."""
    rows = await RevocationRepository(session).still_relevant(utcnow() - CATCH_UP_MARGIN)
    return [
        CredentialsRevoked(
            kind=row.kind,  # type: ignore[arg-type]
            ids=[row.target_id],
            reason=row.reason,
            revoked_at=row.revoked_at,
            tokens_expire_by=row.tokens_expire_by,
        )
        for row in rows
    ]
