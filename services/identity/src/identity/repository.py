"""All SQL of the identity service (subclasses of educert_common.repository.Repository)."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update

from educert_common.repository import Repository
from identity.models import SigningKey, SigningKeyStatus

# Arbitrary but fixed: every replica serialises signing-key creation on this advisory lock.
SIGNING_KEY_LOCK_ID = 0x1D_5167_4B45


class SigningKeyRepository(Repository[SigningKey]):
    model = SigningKey

    async def lock_for_rotation(self) -> None:
        """Hold the rotation lock until the transaction ends (other replicas wait here)."""
        await self.session.execute(select(func.pg_advisory_xact_lock(SIGNING_KEY_LOCK_ID)))

    async def current_active(self, now: datetime) -> SigningKey | None:
        """Return the newest active key that may still sign at `now`."""
        statement = (
            select(SigningKey)
            .where(SigningKey.status == SigningKeyStatus.ACTIVE, SigningKey.not_after > now)
            .order_by(SigningKey.created_at.desc())
            .limit(1)
        )
        return await self.scalar_one_or_none(statement)

    async def published(self) -> Sequence[SigningKey]:
        """Return the keys whose public halves verifiers need (active and retiring)."""
        statement = (
            select(SigningKey)
            .where(SigningKey.status.in_([SigningKeyStatus.ACTIVE, SigningKeyStatus.RETIRING]))
            .order_by(SigningKey.created_at.desc())
        )
        return await self.scalars(statement)

    async def retire_active(self) -> None:
        """Move every active key to retiring (a new key is about to take over)."""
        await self.session.execute(
            update(SigningKey)
            .where(SigningKey.status == SigningKeyStatus.ACTIVE)
            .values(status=SigningKeyStatus.RETIRING)
        )

    async def retire_expired(self, published_until: datetime) -> None:
        """Stop publishing retiring keys whose last tokens expired before `published_until`."""
        await self.session.execute(
            update(SigningKey)
            .where(
                SigningKey.status == SigningKeyStatus.RETIRING,
                SigningKey.not_after < published_until,
            )
            .values(status=SigningKeyStatus.RETIRED)
        )
