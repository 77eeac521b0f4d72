"""The records service for real: identity (for its keys) and records as uvicorn processes on the
run's throwaway database and broker names; a subscriber queue recording what records
publishes; callers with tokens minted with identity's signing key.

Fixtures other test modules build on:
- `stack`: the running processes, the records database, the subscriber.
- `caller`: `Caller` to mint headers for staff of an institution, partners, operators and
  students, and to create institutions.
- `records_env`: extra environment of the processes (override it in a module).
"""

from collections.abc import AsyncIterator

import httpx
import pytest

from educert_common.db import Database
from educert_common.testing.events import recording
from educert_common.testing.processes import RunningProcess, free_port
from educert_common.testing.tokens import Tokens
from records.config import RecordsSettings
from records.testing import Caller, Stack, Subscriber

RECORDS_TYPES = "records.#"


@pytest.fixture(scope="module")
async def subscriber() -> AsyncIterator[Subscriber]:
    async with recording([RECORDS_TYPES], "recordstest") as recorder:
        yield recorder


@pytest.fixture(scope="module")
def records_env() -> dict[str, str]:
    """Extra environment of the processes; a test module overrides it (tighter limits)."""
    return {}


# Module scope: processes of one test module never consume the events of another.
@pytest.fixture(scope="module")
async def stack(
    migrated_services: None,
    subscriber: Subscriber,
    tmp_path_factory: pytest.TempPathFactory,
    records_env: dict[str, str],
) -> AsyncIterator[Stack]:
    log_dir = tmp_path_factory.mktemp("records-e2e")
    identity_port, records_port = free_port(), free_port()
    env = {
        "EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{identity_port}",
        "EDUCERT_RECORDS_URL": f"http://127.0.0.1:{records_port}",
        "RECORDS_STORAGE_ROOT": str(log_dir / "storage"),
        **records_env,
    }
    identity = RunningProcess(
        "identity", "identity.main:create_app", port=identity_port, env=env, log_dir=log_dir
    )
    records = RunningProcess(
        "records", "records.main:create_app", port=records_port, env=env, log_dir=log_dir
    )
    database = Database.connect(RecordsSettings().resolved_database_url(), pool_size=4)
    stack = Stack(identity, records, env, log_dir, database, subscriber)
    try:
        # Identity first: records reads the revocation list from it before it accepts tokens.
        await identity.start().wait_ready(timeout=60)
        await records.start().wait_ready(timeout=60)
        yield stack
    finally:
        stack.records.stop()
        identity.stop()
        await database.dispose()


@pytest.fixture
async def caller(stack: Stack, tokens: Tokens) -> AsyncIterator[Caller]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield Caller(http, stack, tokens)
