"""`payment.order.paid` exactly once: duplicated callbacks, a kill -9 in the middle of the flow,
a restart, and the relay publishing again (absorbed by a consumer's inbox)."""

import asyncio
import uuid
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from educert_common.db import Database, ensure_database
from educert_common.events.broker import Broker
from educert_common.events.consumer import EventConsumer
from educert_common.events.envelope import EventEnvelope
from educert_common.events.tables import MessagingTables, create_messaging_tables
from educert_common.settings import PlatformSettings
from educert_common.testing.waiting import wait_until

pytestmark = pytest.mark.e2e

metadata = sa.MetaData()
messaging = MessagingTables.define(metadata)


async def _inbox_consumer() -> tuple[EventConsumer, Database, Broker, Counter[str]]:
    """A subscriber service with its own database and inbox, counting what it applied."""
    settings = PlatformSettings()
    url = f"{settings.postgres_url}/{settings.database_prefix}paytest_subscriber"
    await ensure_database(url)
    database = Database.connect(url, pool_size=4)
    async with database.engine.begin() as connection:
        exists = await connection.scalar(sa.text("SELECT to_regclass('inbox_events')"))
        if exists is None:
            from alembic.operations import Operations
            from alembic.runtime.migration import MigrationContext

            await connection.run_sync(
                lambda sync: create_messaging_tables(Operations(MigrationContext.configure(sync)))
            )
    applied: Counter[str] = Counter()

    async def handle(session: Any, envelope: EventEnvelope) -> None:
        applied[envelope.data["order_id"]] += 1

    broker = Broker(settings.broker_url, prefix=settings.broker_prefix)
    await broker.start()
    consumer = EventConsumer(
        service="paytest-subscriber",
        database=database,
        messaging=messaging,
        broker=broker,
        handlers={"payment.order.paid": handle},
        retry_delays_ms=[100],
    )
    await consumer.start()
    await asyncio.wait_for(consumer.started.wait(), 10)
    return consumer, database, broker, applied


async def test_paid_once_under_kill_restart_and_republish(client: Any, stack: Any) -> None:
    consumer, database, broker, applied = await _inbox_consumer()
    try:
        users, orders = [], []
        for index in range(6):
            _, auth = await client.user()
            order = await client.create_order(auth)
            channel = "wechat" if index % 2 else "alipay"
            await client.start(auth, order["id"], channel)
            users.append(auth)
            orders.append((order, channel))
        # Paid at the provider; notifications (three each) arrive while payment is dead.
        for order, channel in orders:
            no = uuid.UUID(order["id"]).hex
            await client.sandbox(f"/{channel}/trades/{no}/pay", times=3, delay_ms=150)
        stack.restart_payment(kill=True)
        await stack.payment.wait_ready(timeout=60)
        # Once more, to the new process: duplicates of what active queries may have applied.
        for order, channel in orders:
            no = uuid.UUID(order["id"]).hex
            await client.sandbox(f"/{channel}/trades/{no}/notify", times=2)
        for auth, (order, _) in zip(users, orders, strict=True):
            await client.wait_status(auth, order["id"], "paid", timeout=30)

        ids = [order["id"] for order, _ in orders]

        async def all_applied() -> bool:
            return all(applied[order_id] >= 1 for order_id in ids)

        await wait_until(all_applied, timeout=20, message="subscriber applied every paid event")

        # The relay publishes the same rows again (as after a crash before marking them sent).
        await stack.execute(
            "UPDATE outbox_events SET published_at = NULL WHERE event_type = 'payment.order.paid'"
        )
        subscriber = stack.subscriber

        async def republished() -> bool:
            return all(len(subscriber.of("payment.order.paid", order_id=i)) >= 2 for i in ids)

        await wait_until(republished, timeout=20, message="republished paid events")
        for order_id in ids:
            deliveries = subscriber.of("payment.order.paid", order_id=order_id)
            assert len({d["id"] for d in deliveries}) == 1, "one paid event per order"
            assert applied[order_id] == 1, "the inbox absorbed the republished event"
        async with stack.database.transaction() as session:
            rows = await session.execute(
                sa.text(
                    "SELECT payload->'data'->>'order_id' AS order_id, count(*) FROM outbox_events"
                    " WHERE event_type = 'payment.order.paid' GROUP BY 1"
                )
            )
            counts = {row.order_id: row.count for row in rows}
        assert all(counts[i] == 1 for i in ids)
    finally:
        await consumer.stop()
        await broker.close()
        await database.dispose()
