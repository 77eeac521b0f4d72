"""`Database.raw` against a real PostgreSQL: JSON read as Python values (also inside row
values), at most `pool_size` connections however many callers, and a transaction left open
by a failing caller never reaches the next one."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from educert_common.db import Database, ensure_database
from educert_common.settings import PlatformSettings


@pytest.fixture
async def database() -> AsyncIterator[Database]:
    settings = PlatformSettings()
    url = f"{settings.postgres_url}/{settings.database_prefix}common_raw"
    await ensure_database(url)
    database = Database.connect(url, pool_size=3)
    yield database
    await database.dispose()


async def test_json_reads_as_python_values_at_the_top_and_inside_rows(
    database: Database,
) -> None:
    async with database.raw() as connection:
        row = await connection.fetchrow(
            """SELECT '{"a": [1, "二"]}'::jsonb AS b, '{"c": null}'::json AS j,
                      ARRAY(SELECT ROW(g, jsonb_build_object('n', g))
                            FROM generate_series(1, 2) AS g) AS rows"""
        )
        echoed = await connection.fetchval("SELECT $1::jsonb", {"x": "学籍"})
    assert row["b"] == {"a": [1, "二"]} and row["j"] == {"c": None}
    assert row["rows"] == [(1, {"n": 1}), (2, {"n": 2})]
    assert echoed == {"x": "学籍"}


async def test_callers_past_the_pool_size_wait_for_its_connections(database: Database) -> None:
    started = asyncio.Event()

    async def backend() -> int:
        async with database.raw() as connection:
            await started.wait()
            pid: int = await connection.fetchval("SELECT pg_backend_pid()")
            return pid

    callers = [asyncio.create_task(backend()) for _ in range(12)]
    started.set()
    pids = await asyncio.wait_for(asyncio.gather(*callers), timeout=30)
    assert len(pids) == 12 and len(set(pids)) <= 3


async def test_a_transaction_left_open_is_rolled_back_before_reuse(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.raw() as connection:
            await connection.execute("BEGIN")
            await connection.execute("CREATE TEMP TABLE left_behind (id int)")
            first = await connection.fetchval("SELECT pg_backend_pid()")
            raise RuntimeError("the caller fails mid-transaction")
    async with database.raw() as connection:
        assert await connection.fetchval("SELECT pg_backend_pid()") == first
        assert not connection.is_in_transaction()
        # Rolled back: the table created in that transaction does not exist.
        assert await connection.fetchval("SELECT to_regclass('pg_temp.left_behind')") is None
