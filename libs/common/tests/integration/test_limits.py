"""Counted limits (educert_common.limits) against a real database: the sliding window, the
Retry-After it announces, concurrent callers, pruning."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from educert_common.db import Database, ensure_database, service_metadata
from educert_common.limits import LimitReached, RateLimits, create_rate_events_table
from educert_common.settings import PlatformSettings

limits = RateLimits.define(service_metadata())
HOUR = timedelta(hours=1)
T0 = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
async def database() -> AsyncIterator[Database]:
    settings = PlatformSettings()
    url = f"{settings.postgres_url}/{settings.database_prefix}common_limits"
    await ensure_database(url)
    database = Database.connect(url)

    def migrate(connection: sa.Connection) -> None:
        connection.execute(sa.text("DROP TABLE IF EXISTS rate_events"))
        create_rate_events_table(Operations(MigrationContext.configure(connection)))

    async with database.engine.begin() as connection:
        await connection.run_sync(migrate)
    yield database
    await database.dispose()


async def attempt(database: Database, key: str, now: datetime, limit: int = 3) -> int | None:
    """One counted action; None if allowed, else the Retry-After it was refused with."""
    try:
        async with database.transaction() as session:
            await limits.count_and_check(
                session, kind="test", key=key, limit=limit, window=HOUR, now=now
            )
    except LimitReached as refused:
        return int(refused.headers["Retry-After"])
    return None


async def test_the_window_slides_and_retry_after_names_when(database: Database) -> None:
    key = uuid.uuid4().hex
    for minute in (0, 10, 20):
        assert await attempt(database, key, T0 + timedelta(minutes=minute)) is None
    # Refused until the first action (at T0) leaves the hour: 30 minutes from T0 + 30 min.
    assert await attempt(database, key, T0 + timedelta(minutes=30)) == 30 * 60 + 1
    # A refusal is not counted (it rolled back), and others' keys are not held back.
    assert await attempt(database, uuid.uuid4().hex, T0 + timedelta(minutes=30)) is None
    assert await attempt(database, key, T0 + timedelta(minutes=61)) is None
    assert await attempt(database, key, T0 + timedelta(minutes=62)) == 8 * 60 + 1


async def test_concurrent_callers_never_pass_the_limit(database: Database) -> None:
    key = uuid.uuid4().hex
    outcomes = await asyncio.gather(*(attempt(database, key, T0, limit=4) for _ in range(12)))
    assert sum(outcome is None for outcome in outcomes) == 4


async def test_prune_deletes_only_what_is_past_every_window(database: Database) -> None:
    key = uuid.uuid4().hex
    async with database.transaction() as session:
        await limits.count(session, kind="test", key=key, now=T0 - timedelta(days=3))
        await limits.count(session, kind="test", key=key, now=T0)
    async with database.transaction() as session:
        assert await limits.prune(session, older_than=T0 - timedelta(days=2)) >= 1
        count, oldest = await limits.counted_since(
            session, kind="test", key=key, since=T0 - timedelta(days=10)
        )
    assert (count, oldest) == (1, T0)
