"""Counted limits kept in a service's own database: N actions of a kind per key in a sliding
window (registrations per client address, public queries per ID-number hash, ...).

A service defines the table once on its metadata, like the audit log:

    limits = RateLimits.define(Base.metadata)
    await limits.count_and_check(session, kind="query_ip", key=address_key(ip), limit=20,
                                 window=timedelta(hours=1))

The database, not a process, holds the count, so every replica agrees; a transaction-scoped
advisory lock per (kind, key) serialises concurrent requests until the caller's transaction
ends, so a caller may check, do the work and count afterwards (only what failed) atomically.
A rolled-back transaction uncounts its action: a caller that must count a refused request
commits before raising.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from alembic.operations import Operations
from sqlalchemy import Column, Index, MetaData, String, Table, Uuid, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import UtcDateTime, utcnow
from educert_common.errors import Text, TooManyRequests

RATE_EVENTS_TABLE = "rate_events"
KEY_LENGTH = 100


class LimitReached(TooManyRequests):
    code = "rate_limited"
    title = Text("Too many requests; try again later", "请求过于频繁,请稍后再试")


def _columns() -> list[Column[Any]]:
    return [
        Column("id", Uuid(), primary_key=True),
        # What is counted (registration, enrollment_query_ip, ...) and for whom (a client
        # address key, an account id, a keyed hash; never personal data in clear).
        Column("kind", String(32), nullable=False),
        Column("key", String(KEY_LENGTH), nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
    ]


def retry_after(oldest: datetime | None, window: timedelta, now: datetime) -> int:
    """Seconds until the oldest counted action leaves the window (at least 1)."""
    return max(1, int(((oldest or now) + window - now).total_seconds()) + 1)


@dataclass(frozen=True)
class RateLimits:
    table: Table

    @classmethod
    def define(cls, metadata: MetaData) -> "RateLimits":
        table = Table(RATE_EVENTS_TABLE, metadata, *_columns())
        Index("ix_rate_events_kind_key_created", table.c.kind, table.c.key, table.c.created_at)
        # For pruning: everything older than the longest window goes.
        Index("ix_rate_events_created_at", table.c.created_at)
        return cls(table)

    async def lock(self, session: AsyncSession, *, kind: str, key: str) -> None:
        """Hold the (kind, key) advisory lock until the transaction ends (every replica
        waits on it)."""
        await session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(f"rate:{kind}:{key}", 0)))
        )

    async def counted_since(
        self, session: AsyncSession, *, kind: str, key: str, since: datetime
    ) -> tuple[int, datetime | None]:
        """How many `kind` actions `key` made after `since`, and when the oldest of them was."""
        t = self.table.c
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(t.created_at)).where(
                    t.kind == kind, t.key == key[:KEY_LENGTH], t.created_at > since
                )
            )
        ).one()
        return int(count or 0), oldest

    async def check(
        self,
        session: AsyncSession,
        *,
        kind: str,
        key: str,
        limit: int,
        window: timedelta,
        now: datetime | None = None,
        error: type[TooManyRequests] = LimitReached,
        detail: Text | None = None,
    ) -> None:
        """Raise `error` (429 with Retry-After) when `limit` `kind` actions of `key` already
        happened within `window`; takes the (kind, key) lock first (see the module)."""
        await self.lock(session, kind=kind, key=key)
        now = now or utcnow()
        count, oldest = await self.counted_since(session, kind=kind, key=key, since=now - window)
        if count >= limit:
            wait = retry_after(oldest, window, now)
            raise error(detail, headers={"Retry-After": str(wait)})

    async def count(
        self, session: AsyncSession, *, kind: str, key: str, now: datetime | None = None
    ) -> None:
        """Count one `kind` action for `key` in the caller's transaction."""
        await session.execute(
            insert(self.table).values(
                id=uuid.uuid4(), kind=kind, key=key[:KEY_LENGTH], created_at=now or utcnow()
            )
        )

    async def count_and_check(
        self,
        session: AsyncSession,
        *,
        kind: str,
        key: str,
        limit: int,
        window: timedelta,
        now: datetime | None = None,
        error: type[TooManyRequests] = LimitReached,
        detail: Text | None = None,
    ) -> None:
        """Count one `kind` action for `key`, or raise `error` (429, Retry-After) when `limit`
        actions already happened within `window`."""
        await self.check(
            session,
            kind=kind,
            key=key,
            limit=limit,
            window=window,
            now=now,
            error=error,
            detail=detail,
        )
        await self.count(session, kind=kind, key=key, now=now)

    async def prune(self, session: AsyncSession, *, older_than: datetime) -> int:
        """Delete counted actions older than `older_than` (past every window); return how many."""
        result = await session.execute(
            delete(self.table).where(self.table.c.created_at < older_than)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def create_rate_events_table(op: Operations) -> None:
    op.create_table(RATE_EVENTS_TABLE, *_columns())
    op.create_index(
        "ix_rate_events_kind_key_created", RATE_EVENTS_TABLE, ["kind", "key", "created_at"]
    )
    op.create_index("ix_rate_events_created_at", RATE_EVENTS_TABLE, ["created_at"])


def drop_rate_events_table(op: Operations) -> None:
    op.drop_table(RATE_EVENTS_TABLE)
