"""Suite-wide setup: throwaway database and broker names for this run, migrated service DBs."""

import asyncio
import os
from collections.abc import Iterator

import pytest

from educert_common.db import Database
from educert_common.testing.infra import (
    configure_test_environment,
    delete_test_broker_entities,
    drop_test_databases,
)
from educert_common.testing.tokens import Tokens

RUN_ID = configure_test_environment()


@pytest.fixture(scope="session")
def migrated_services() -> None:
    """Create and migrate every service's database for this run (dropped when the run ends)."""
    from educert_common.cli import migrate_main

    migrate_main([])


@pytest.fixture(scope="session", autouse=True)
def _clean_up_after_run() -> Iterator[None]:
    yield
    from educert_common.settings import PlatformSettings

    settings = PlatformSettings()
    if os.environ.get("EDUCERT_KEEP_TEST_DATA"):
        return
    asyncio.run(drop_test_databases(settings))
    delete_test_broker_entities(settings.broker_prefix)


@pytest.fixture(scope="session")
async def tokens(migrated_services: None) -> Tokens:
    """Tokens signed with identity's active signing key, as identity would issue them."""
    from identity.config import IdentitySettings
    from identity.service import signing_key_pem

    database = Database.connect(IdentitySettings().resolved_database_url(), pool_size=2)
    try:
        async with database.transaction() as session:
            kid, private_pem = await signing_key_pem(session)
    finally:
        await database.dispose()
    return Tokens.from_private_pem(kid, private_pem)
