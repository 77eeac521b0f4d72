"""Every query about counted limits."""

from datetime import datetime

from sqlalchemy import func, select

from educert_common.repository import Repository
from identity.limits.models import RateEvent


class RateEventRepository(Repository[RateEvent]):
    model = RateEvent

    async def lock(self, kind: str, key: str) -> None:
        """Hold the (kind, key) advisory lock until the transaction ends (every replica
        waits on it)."""
        await self.session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(f"rate:{kind}:{key}", 0)))
        )

    async def counted_since(
        self, kind: str, key: str, since: datetime
    ) -> tuple[int, datetime | None]:
        """How many `kind` actions `key` made after `since`, and when the oldest of them was."""
        count, oldest = (
            await self.session.execute(
                select(func.count(), func.min(RateEvent.created_at)).where(
                    RateEvent.kind == kind, RateEvent.key == key, RateEvent.created_at > since
                )
            )
        ).one()
        return int(count or 0), oldest
