"""SQL for login sessions, refresh tokens and login throttles."""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.repository import Repository
from identity.sessions.models import LoginSession, LoginThrottle, RefreshToken


class SessionRepository(Repository[LoginSession]):
    model = LoginSession

    async def owned(self, session_id: uuid.UUID, user_id: uuid.UUID) -> LoginSession | None:
        """A session of this user (another user's session is simply not found)."""
        return await self.scalar_one_or_none(
            select(LoginSession).where(
                LoginSession.id == session_id, LoginSession.user_id == user_id
            )
        )

    async def active_of(self, user_id: uuid.UUID, now: datetime) -> Sequence[LoginSession]:
        return await self.scalars(
            select(LoginSession)
            .where(
                LoginSession.user_id == user_id,
                LoginSession.revoked_at.is_(None),
                LoginSession.expires_at > now,
            )
            .order_by(LoginSession.last_used_at.desc())
            .limit(100)
        )

    async def revoke(self, session_id: uuid.UUID, now: datetime, reason: str) -> None:
        await self.session.execute(
            update(LoginSession)
            .where(LoginSession.id == session_id, LoginSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    async def revoke_all(
        self, user_id: uuid.UUID, now: datetime, reason: str, keep: uuid.UUID | None = None
    ) -> int:
        statement = update(LoginSession).where(
            LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None)
        )
        if keep is not None:
            statement = statement.where(LoginSession.id != keep)
        result = await self.session.execute(statement.values(revoked_at=now, revoked_reason=reason))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class RefreshTokenRepository(Repository[RefreshToken]):
    model = RefreshToken

    async def by_hash_for_update(self, token_hash: str) -> RefreshToken | None:
        return await self.scalar_one_or_none(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
        )


class ThrottleRepository(Repository[LoginThrottle]):
    model = LoginThrottle

    async def for_update(self, key: str) -> LoginThrottle | None:
        return await self.scalar_one_or_none(
            select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
        )

    async def many(self, keys: list[str]) -> Sequence[LoginThrottle]:
        return await self.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))

    async def clear(self, key: str) -> None:
        await self.session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


async def record_failure(
    session: AsyncSession,
    key: str,
    now: datetime,
    *,
    threshold: int,
    base: int,
    cap: int,
    window: timedelta,
) -> LoginThrottle:
    """Count one failure on `key` (atomic upsert) and set its lock if over the threshold.

    The count starts again at 1 when the previous failure is older than `window` (decided in
    the same statement, so concurrent failures on replicas cannot race it).
    """
    stale = LoginThrottle.last_failure_at < now - window
    statement = (
        pg_insert(LoginThrottle)
        .values(key=key, failures=1, last_failure_at=now, locked_until=None)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={
                "failures": case((stale, 1), else_=LoginThrottle.failures + 1),
                "locked_until": case((stale, None), else_=LoginThrottle.locked_until),
                "last_failure_at": now,
            },
        )
        .returning(LoginThrottle)
    )
    # populate_existing: the row may already sit in the identity map with the old count.
    row = (
        await session.execute(statement, execution_options={"populate_existing": True})
    ).scalar_one()
    if row.failures >= threshold:
        seconds = min(base * 2 ** min(row.failures - threshold, 20), cap)
        row.locked_until = now + timedelta(seconds=seconds)
        await session.flush()
    return row
