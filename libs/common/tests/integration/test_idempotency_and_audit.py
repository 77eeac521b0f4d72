"""Idempotency keys and audit entries against a real database."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from educert_common.audit import AuditLog, create_audit_table
from educert_common.context import request_id_var
from educert_common.db import Database, ensure_database, service_metadata
from educert_common.idempotency import (
    IdempotencyKeyReused,
    IdempotencyStore,
    create_idempotency_table,
    fingerprint,
)
from educert_common.settings import PlatformSettings

metadata = service_metadata()
store = IdempotencyStore.define(metadata)
audit = AuditLog.define(metadata)
orders = sa.Table("orders", metadata, sa.Column("id", sa.Uuid, primary_key=True))


@pytest.fixture(scope="module")
async def database() -> AsyncIterator[Database]:
    settings = PlatformSettings()
    url = f"{settings.postgres_url}/{settings.database_prefix}common_idempotency"
    await ensure_database(url)
    database = Database.connect(url)

    def migrate(connection: sa.Connection) -> None:
        operations = Operations(MigrationContext.configure(connection))
        create_idempotency_table(operations)
        create_audit_table(operations)
        operations.create_table("orders", sa.Column("id", sa.Uuid, primary_key=True))

    async with database.engine.begin() as connection:
        await connection.run_sync(migrate)
    yield database
    await database.dispose()


async def create_order(database: Database, owner: str, key: str, amount: int) -> dict[str, str]:
    """What an endpoint does: claim the key, replay or work, store the response."""
    async with database.transaction() as session:
        slot = await store.claim(
            session, owner=owner, key=key, request_fingerprint=fingerprint("order", {"a": amount})
        )
        if slot.is_replay:
            return dict(slot.replay_body)
        order_id = uuid.uuid4()
        await session.execute(sa.insert(orders).values(id=order_id))
        # Hold the transaction open a moment so concurrent callers really overlap.
        await session.execute(sa.text("SELECT pg_sleep(0.2)"))
        body = {"order_id": str(order_id)}
        await slot.store(201, body)
        return body


async def test_concurrent_requests_with_one_key_create_one_order(database: Database) -> None:
    key = uuid.uuid4().hex

    results = await asyncio.gather(*(create_order(database, "user-1", key, 360) for _ in range(5)))

    assert len({r["order_id"] for r in results}) == 1
    async with database.transaction() as session:
        found = await session.scalar(
            sa.select(sa.func.count()).where(orders.c.id == uuid.UUID(results[0]["order_id"]))
        )
    assert found == 1


async def test_the_same_key_with_other_parameters_is_refused(database: Database) -> None:
    key = uuid.uuid4().hex
    await create_order(database, "user-1", key, 360)

    with pytest.raises(IdempotencyKeyReused) as refused:
        await create_order(database, "user-1", key, 2)

    assert refused.value.errors[0].field == "header.idempotency-key"


async def test_keys_are_scoped_by_owner(database: Database) -> None:
    key = uuid.uuid4().hex

    mine = await create_order(database, "user-1", key, 360)
    theirs = await create_order(database, "user-2", key, 360)

    assert mine != theirs


async def test_audit_entries_carry_actor_change_and_request_id(database: Database) -> None:
    subject = uuid.uuid4().hex
    token = request_id_var.set("req-audit")
    try:
        async with database.transaction() as session:
            await audit.record(
                session,
                actor="operator-7",
                action="record.corrected",
                subject_type="record",
                subject_id=subject,
                before={"major": "Physics"},
                after={"major": "Applied Physics"},
            )
    finally:
        request_id_var.reset(token)

    async with database.transaction() as session:
        entry = (
            await session.execute(sa.select(audit.table).where(audit.table.c.subject_id == subject))
        ).one()
    assert (entry.actor, entry.action, entry.request_id) == (
        "operator-7",
        "record.corrected",
        "req-audit",
    )
    assert entry.before == {"major": "Physics"}
    assert entry.after == {"major": "Applied Physics"}
    assert entry.occurred_at.tzinfo is not None
