"""Counted limits kept in the database (so every replica agrees): registrations, appeals
and real-name checks per client address or account, in a sliding window."""

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import utcnow
from educert_common.errors import Text, TooManyRequests
from identity.limits.models import RateEvent
from identity.limits.repository import RateEventRepository


class LimitReached(TooManyRequests):
    code = "rate_limited"
    title = Text("Too many requests; try again later", "请求过于频繁,请稍后再试")


async def check_limit(
    session: AsyncSession,
    *,
    kind: str,
    key: str,
    limit: int,
    window: timedelta = timedelta(days=1),
    error: type[TooManyRequests] = LimitReached,
    detail: Text | None = None,
) -> None:
    """Raise `error` (429, Retry-After, no fields) when `limit` `kind` actions of `key`
    already happened within `window`.

    Takes a transaction-scoped advisory lock per (kind, key) first, which serialises
    concurrent requests on every replica until the caller's transaction ends; so a caller may
    check, do the work, and `count_action` afterwards (counting only what failed) atomically.
    """
    events = RateEventRepository(session)
    await events.lock(kind, key)
    now = utcnow()
    count, oldest = await events.counted_since(kind, key, now - window)
    if count >= limit:
        # The oldest counted action leaves the window first.
        wait = max(1, int(((oldest or now) + window - now).total_seconds()) + 1)
        raise error(detail, headers={"Retry-After": str(wait)})


async def count_action(session: AsyncSession, *, kind: str, key: str) -> None:
    """Count one `kind` action for `key` (in the caller's transaction, which holds the lock
    `check_limit` took; a rollback uncounts it)."""
    await RateEventRepository(session).add(
        RateEvent(id=uuid.uuid4(), kind=kind, key=key[:100], created_at=utcnow())
    )


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
    when `limit` actions already happened within `window` (see `check_limit`)."""
    await check_limit(
        session, kind=kind, key=key, limit=limit, window=window, error=error, detail=detail
    )
    await count_action(session, kind=kind, key=key)
