"""Counted limits kept in the database (so every replica agrees): registrations, appeals
and real-name checks per client address or account, in a sliding window."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Index, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from educert_common.errors import Text, TooManyRequests
from identity.base import Base


class RateEvent(Base):
    """One counted action: `kind` (registration, appeal, realname_account, realname_ip)
    and `key` (a client address or an account id)."""

    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_kind_key_created", "kind", "key", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class LimitReached(TooManyRequests):
    code = "rate_limited"
    title = Text("Too many requests; try again later", "请求过于频繁,请稍后再试")


async def count_and_check(
    session: AsyncSession,
    *,
    kind: str,
    key: str,
    limit: int,
    window: timedelta = timedelta(days=1),
    error: type[TooManyRequests] = LimitReached,
    detail: Text | None = None,
) -> None:
    """Count one `kind` action for `key`, or raise `error` (429, Retry-After, no fields)
    when `limit` actions already happened within `window`.

    A transaction-scoped advisory lock per (kind, key) serialises concurrent requests on
    every replica; the row is written in the caller's transaction (a rollback uncounts it).
    """
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtextextended(f"rate:{kind}:{key}", 0)))
    )
    now = utcnow()
    since = now - window
    where = (RateEvent.kind == kind, RateEvent.key == key, RateEvent.created_at > since)
    count, oldest = (
        await session.execute(select(func.count(), func.min(RateEvent.created_at)).where(*where))
    ).one()
    if int(count or 0) >= limit:
        # The oldest counted action leaves the window first.
        wait = max(1, int(((oldest or now) + window - now).total_seconds()) + 1)
        raise error(detail, headers={"Retry-After": str(wait)})
    session.add(RateEvent(id=uuid.uuid4(), kind=kind, key=key[:100], created_at=now))
    await session.flush()
