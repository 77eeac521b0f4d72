"""SQL for credential revocations."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select

from educert_common.repository import Repository
from identity.revocations.models import CredentialRevocation


class RevocationRepository(Repository[CredentialRevocation]):
    model = CredentialRevocation

    async def add_many(self, rows: Sequence[CredentialRevocation]) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def still_relevant(self, now: datetime) -> Sequence[CredentialRevocation]:
        """Revocations whose tokens may still be alive, oldest first."""
        return await self.scalars(
            select(CredentialRevocation)
            .where(CredentialRevocation.tokens_expire_by > now)
            .order_by(CredentialRevocation.revoked_at)
        )

    async def forget_expired(self, before: datetime) -> None:
        await self.session.execute(
            delete(CredentialRevocation).where(CredentialRevocation.tokens_expire_by < before)
        )
