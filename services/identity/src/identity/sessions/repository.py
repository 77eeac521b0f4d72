"""SQL for login sessions, refresh tokens and login throttles."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
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

    async def revoke(self, session_id: uuid.UUID, now: datetime, reason: str) -> bool:
        """Revoke a live session; say whether it was live."""
        result = await self.session.execute(
            update(LoginSession)
            .where(LoginSession.id == session_id, LoginSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
            .returning(LoginSession.id)
        )
        return result.first() is not None

    async def revoke_all(
        self, user_id: uuid.UUID, now: datetime, reason: str, keep: uuid.UUID | None = None
    ) -> list[uuid.UUID]:
        """Revoke the user's live sessions (but `keep`); return the ids revoked."""
        statement = update(LoginSession).where(
            LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None)
        )
        if keep is not None:
            statement = statement.where(LoginSession.id != keep)
        result = await self.session.execute(
            statement.values(revoked_at=now, revoked_reason=reason).returning(LoginSession.id)
        )
        return list(result.scalars())


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


@dataclass(frozen=True)
class Reservation:
    """One login attempt counted on a key before its password is checked."""

    key: str
    # Failures counted on the key, this attempt included (unless `locked`).
    failures: int
    # Set when the key was already locked: this attempt was not counted and must be refused.
    locked_until: datetime | None


async def reserve_attempt(
    session: AsyncSession, key: str, now: datetime, *, window: timedelta
) -> Reservation:
    """Count one attempt on `key` as a failure before the password is checked (atomic upsert).

    The row stays locked until the caller's transaction ends, so concurrent attempts on the
    key are counted one after the other: a burst of N parallel guesses sees counts 1..N and
    only those within the limit go on to the password check. A locked key is not counted.
    The count starts again at 1 when the previous failure is older than `window`.
    """
    locked = LoginThrottle.locked_until > now
    stale = LoginThrottle.last_failure_at < now - window
    statement = (
        pg_insert(LoginThrottle)
        .values(key=key, failures=1, last_failure_at=now, locked_until=None)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={
                "failures": case(
                    (locked, LoginThrottle.failures),
                    (stale, 1),
                    else_=LoginThrottle.failures + 1,
                ),
                "locked_until": case(
                    (locked, LoginThrottle.locked_until), (stale, None), else_=None
                ),
                "last_failure_at": case((locked, LoginThrottle.last_failure_at), else_=now),
            },
        )
        .returning(LoginThrottle.failures, LoginThrottle.locked_until)
    )
    row = (await session.execute(statement)).one()
    locked_until = row.locked_until if row.locked_until and row.locked_until > now else None
    return Reservation(key, int(row.failures), locked_until)


async def lock_key(session: AsyncSession, key: str, until: datetime) -> None:
    await session.execute(
        update(LoginThrottle).where(LoginThrottle.key == key).values(locked_until=until)
    )


async def release_attempt(session: AsyncSession, key: str) -> None:
    """Take back a reserved attempt that turned out to be a success."""
    await session.execute(
        update(LoginThrottle)
        .where(LoginThrottle.key == key, LoginThrottle.failures > 0)
        .values(failures=LoginThrottle.failures - 1)
    )
