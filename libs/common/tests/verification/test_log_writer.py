"""The verification log writer (educert_common.verification.log_writer) against a real
database: rows queued by lookups are written in batches, in arrival order, within the delay;
what is queued when the writer is cancelled (app shutdown) is written before it ends; a
failed batch is kept and written once the database takes it."""

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import Database, ensure_database
from educert_common.settings import PlatformSettings
from educert_common.testing.waiting import wait_until
from educert_common.verification.log_writer import LogWriter

TABLE = "log_writer_rows"


@pytest.fixture(scope="module")
async def database() -> AsyncIterator[Database]:
    settings = PlatformSettings()
    url = f"{settings.postgres_url}/{settings.database_prefix}common_log_writer"
    await ensure_database(url)
    database = Database.connect(url)
    async with database.engine.begin() as connection:
        await connection.execute(sa.text(f"DROP TABLE IF EXISTS {TABLE}"))
        await connection.execute(
            sa.text(
                f"CREATE TABLE {TABLE} (seq bigserial PRIMARY KEY, run text NOT NULL, "
                "n int NOT NULL, CONSTRAINT n_positive CHECK (n >= 0))"
            )
        )
    yield database
    await database.dispose()


class Batches:
    """The write function under test: one multi-row INSERT per batch, noting each batch."""

    def __init__(self, run: str) -> None:
        self.run = run
        self.sizes: list[int] = []

    async def __call__(self, session: AsyncSession, items: Sequence[int]) -> None:
        self.sizes.append(len(items))
        await session.execute(
            sa.text(f"INSERT INTO {TABLE} (run, n) VALUES (:run, :n)"),  # noqa: S608
            [{"run": self.run, "n": n} for n in items],
        )


async def written(database: Database, run: str) -> list[int]:
    async with database.reading() as session:
        rows = await session.execute(
            sa.text(f"SELECT n FROM {TABLE} WHERE run = :run ORDER BY seq"),  # noqa: S608
            {"run": run},
        )
        return [n for (n,) in rows.all()]


async def wait_until_written(
    database: Database, run: str, count: int, deadline: float = 5.0
) -> list[int]:
    """The rows of `run` once `count` of them are in the table (fails at the deadline)."""

    async def enough() -> list[int] | None:
        rows = await written(database, run)
        return rows if len(rows) >= count else None

    return await wait_until(enough, timeout=deadline, message=f"{count} log rows of {run}")


def new_run(request: pytest.FixtureRequest) -> str:
    return request.node.name[:60]


async def test_rows_appear_in_arrival_order_within_the_delay(
    database: Database, request: pytest.FixtureRequest
) -> None:
    run = new_run(request)
    batches = Batches(run)
    writer: LogWriter[int] = LogWriter(batches, max_delay=0.05, max_rows=1000)
    task = asyncio.create_task(writer.run(database))
    try:
        started = time.monotonic()
        for n in range(250):
            writer.add(n)
        assert await wait_until_written(database, run, 250) == list(range(250))
        # Written in well under a second (the delay is 50 ms), in one batch or few.
        assert time.monotonic() - started < 2.0
        assert sum(batches.sizes) == 250 and len(batches.sizes) <= 3
        for n in range(250, 260):
            writer.add(n)
        assert await wait_until_written(database, run, 260) == list(range(260))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_full_batch_is_written_without_waiting_for_the_delay(
    database: Database, request: pytest.FixtureRequest
) -> None:
    run = new_run(request)
    batches = Batches(run)
    # A delay far longer than the deadline below: only a full batch can be written in time.
    writer: LogWriter[int] = LogWriter(batches, max_delay=60, max_rows=100)
    task = asyncio.create_task(writer.run(database))
    try:
        for n in range(100):
            writer.add(n)
        assert await wait_until_written(database, run, 100, deadline=5) == list(range(100))
        assert batches.sizes == [100]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_what_is_queued_at_shutdown_is_written_before_the_writer_ends(
    database: Database, request: pytest.FixtureRequest
) -> None:
    run = new_run(request)
    writer: LogWriter[int] = LogWriter(Batches(run), max_delay=60, max_rows=10_000)
    task = asyncio.create_task(writer.run(database))
    for n in range(37):
        writer.add(n)
    # Once the writer runs, it waits on its (long) delay.
    await asyncio.wait_for(writer.running.wait(), 5)
    task.cancel()
    results = await asyncio.gather(task, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)
    # No waiting needed: the rows were committed before the task ended.
    assert await written(database, run) == list(range(37))
    assert writer.pending == 0 and writer.written == 37


async def test_a_failed_batch_is_kept_and_written_in_order_once_it_can_be(
    database: Database, request: pytest.FixtureRequest
) -> None:
    run = new_run(request)
    writer: LogWriter[int] = LogWriter(Batches(run), max_delay=0.01, max_rows=1000)
    writer.database = database
    for n in (1, -1, 2):  # -1 breaks the table's check: the whole batch fails
        writer.add(n)
    with pytest.raises(Exception, match="n_positive"):
        await writer.flush()
    assert writer.pending == 3 and await written(database, run) == []
    writer._buffer.remove(-1)  # what a retry would write once the cause is gone
    writer.add(3)
    await writer.flush()
    assert await written(database, run) == [1, 2, 3]


def test_the_buffer_is_bounded_and_drops_the_oldest() -> None:
    async def never(session: AsyncSession, items: Sequence[Any]) -> None:
        raise AssertionError("not written in this test")

    writer: LogWriter[int] = LogWriter(never, max_buffered=5)
    for n in range(8):
        writer.add(n)
    assert writer.pending == 5 and writer.dropped == 3
    assert writer._buffer == [3, 4, 5, 6, 7]
