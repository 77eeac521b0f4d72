"""Counted limits kept in the database (so every replica agrees): registrations, appeals
and real-name checks per client address or account, in a sliding window.

The mechanism is `educert_common.limits` (the records service counts its public queries with
it too); these functions keep identity's callers' signature and default window.
"""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.errors import Text, TooManyRequests
from educert_common.limits import LimitReached
from identity.base import rate_limits

__all__ = ["LimitReached", "check_limit", "count_action", "count_and_check"]


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
    await rate_limits.check(
        session, kind=kind, key=key, limit=limit, window=window, error=error, detail=detail
    )


async def count_action(session: AsyncSession, *, kind: str, key: str) -> None:
    """Count one `kind` action for `key` (in the caller's transaction, which holds the lock
    `check_limit` took; a rollback uncounts it)."""
    await rate_limits.count(session, kind=kind, key=key)


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
    await rate_limits.count_and_check(
        session, kind=kind, key=key, limit=limit, window=window, error=error, detail=detail
    )
