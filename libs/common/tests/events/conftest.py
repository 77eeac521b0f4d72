"""A throwaway database with the outbox/inbox tables (built by the same migration step the
services use) and a table the test handlers write their effects into."""

import itertools
import os
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from educert_common.db import Database, ensure_database, service_metadata
from educert_common.events.broker import Broker
from educert_common.events.tables import MessagingTables, create_messaging_tables
from educert_common.settings import PlatformSettings

metadata = service_metadata()
messaging = MessagingTables.define(metadata)


# What a handler "does": one row per event it applied, counting how many times it ran.
def _applied_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("event_id", sa.Uuid, primary_key=True),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("times", sa.Integer, nullable=False),
    ]


def _widget_columns() -> list[sa.Column[object]]:
    return [sa.Column("id", sa.String(100), primary_key=True)]


applied = sa.Table("applied_events", metadata, *_applied_columns())
widgets = sa.Table("widgets", metadata, *_widget_columns())

_names = itertools.count()


def _migrate(connection: Connection) -> None:
    operations = Operations(MigrationContext.configure(connection))
    create_messaging_tables(operations)
    operations.create_table("applied_events", *_applied_columns())
    operations.create_table("widgets", *_widget_columns())


@pytest.fixture(scope="session")
async def events_database() -> AsyncIterator[Database]:
    settings = PlatformSettings()
    url = f"{settings.postgres_url}/{settings.database_prefix}common_events"
    await ensure_database(url)
    database = Database.connect(url)
    async with database.engine.begin() as connection:
        await connection.run_sync(_migrate)
    yield database
    await database.dispose()


@pytest.fixture
async def clean_tables(events_database: Database) -> Database:
    async with events_database.transaction() as session:
        await session.execute(
            sa.text("TRUNCATE outbox_events, inbox_events, applied_events, widgets")
        )
    return events_database


@pytest.fixture
async def broker() -> AsyncIterator[Broker]:
    """A broker client whose exchange and queues are private to this test."""
    prefix = f"{os.environ['EDUCERT_BROKER_PREFIX']}e{next(_names)}."
    broker = Broker(PlatformSettings().broker_url, prefix=prefix)
    await broker.start()
    await broker.wait_connected(10)
    yield broker
    await broker.close()
