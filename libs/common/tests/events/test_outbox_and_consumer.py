"""The outbox and the consumer against real PostgreSQL and RabbitMQ."""

import asyncio
import contextlib
import itertools
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import aio_pika
import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import Database, ensure_database, service_metadata
from educert_common.events.broker import Broker
from educert_common.events.catalogue import Event, catalogued
from educert_common.events.consumer import ATTEMPT_HEADER, EventConsumer, EventHandler
from educert_common.events.envelope import EventEnvelope
from educert_common.events.outbox import Outbox, OutboxRelay
from educert_common.events.tables import MessagingTables, create_messaging_tables
from educert_common.settings import PlatformSettings
from educert_common.testing.netfault import CuttableTcpProxy
from educert_common.testing.waiting import wait_until

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


@catalogued
class WidgetCreated(Event):
    event_type = "testing.widget.created"

    widget_id: str


@catalogued
class WidgetBroke(Event):
    event_type = "testing.widget.broke"

    widget_id: str


async def record_application(session: AsyncSession, envelope: EventEnvelope) -> None:
    """The handler's effect: count how many times this event was applied."""
    await session.execute(
        insert(applied)
        .values(event_id=envelope.id, subject=envelope.subject, times=1)
        .on_conflict_do_update(
            index_elements=[applied.c.event_id], set_={"times": applied.c.times + 1}
        )
    )


async def create_widget(database: Database, outbox: Outbox, widget_id: str) -> EventEnvelope:
    async with database.transaction() as session:
        await session.execute(sa.insert(widgets).values(id=widget_id))
        return await outbox.add(session, WidgetCreated(widget_id=widget_id), subject=widget_id)


async def applied_subjects(database: Database) -> dict[str, int]:
    async with database.transaction() as session:
        rows = (await session.execute(sa.select(applied.c.subject, applied.c.times))).all()
    return {row.subject: row.times for row in rows}


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay) -> AsyncIterator[OutboxRelay]:
    task = asyncio.create_task(relay.run())
    try:
        yield relay
    finally:
        relay.stop()
        await asyncio.wait_for(task, 10)


@contextlib.asynccontextmanager
async def consuming(
    database: Database,
    broker: Broker,
    handlers: dict[str, EventHandler],
    service: str = "svc",
) -> AsyncIterator[EventConsumer]:
    consumer = EventConsumer(
        service=service,
        database=database,
        messaging=messaging,
        broker=broker,
        handlers=handlers,
        retry_delays_ms=[50, 100, 200],
    )
    await consumer.start()
    await asyncio.wait_for(consumer.started.wait(), 10)
    try:
        yield consumer
    finally:
        await consumer.stop()


def relay_for(database: Database, broker: Broker, **kwargs: float) -> OutboxRelay:
    return OutboxRelay(database, messaging, broker, poll_seconds=0.2, **kwargs)  # type: ignore[arg-type]


OUTBOX = Outbox(messaging, source="testing")


async def test_a_committed_change_publishes_its_event(
    clean_tables: Database, broker: Broker
) -> None:
    handlers = {WidgetCreated.event_type: record_application}
    async with consuming(clean_tables, broker, handlers), running(relay_for(clean_tables, broker)):
        envelope = await create_widget(clean_tables, OUTBOX, "w-1")

        subjects = await wait_until(
            lambda: applied_subjects(clean_tables), message="the event to be handled"
        )

    assert subjects == {"w-1": 1}
    assert envelope.type == "testing.widget.created"
    assert envelope.source == "testing"


async def test_a_rolled_back_change_publishes_nothing(
    clean_tables: Database, broker: Broker
) -> None:
    handlers = {WidgetCreated.event_type: record_application}
    async with consuming(clean_tables, broker, handlers), running(relay_for(clean_tables, broker)):
        with pytest.raises(RuntimeError):
            async with clean_tables.transaction() as session:
                await session.execute(sa.insert(widgets).values(id="w-rolled-back"))
                await OUTBOX.add(
                    session, WidgetCreated(widget_id="w-rolled-back"), subject="w-rolled-back"
                )
                raise RuntimeError("the business change fails after the event was written")
        # A later committed event is the marker: once it is handled, the relay has passed by.
        await create_widget(clean_tables, OUTBOX, "w-marker")
        await wait_until(
            lambda: _has(clean_tables, "w-marker"), message="the marker event to be handled"
        )

    assert await applied_subjects(clean_tables) == {"w-marker": 1}
    async with clean_tables.transaction() as session:
        pending = await session.scalar(sa.select(sa.func.count()).select_from(messaging.outbox))
    assert pending == 1


async def _has(database: Database, subject: str) -> bool:
    return subject in await applied_subjects(database)


async def test_events_committed_while_the_broker_is_unreachable_arrive_after_it_returns(
    clean_tables: Database, broker: Broker
) -> None:
    settings = PlatformSettings()
    real = aio_pika.connection.make_url(settings.broker_url)
    proxy = await CuttableTcpProxy(real.host, real.port or 5672).start()
    relay_broker = Broker(
        f"amqp://{real.user}:{real.password}@127.0.0.1:{proxy.port}/?reconnect_interval=0.2",
        prefix=broker.prefix,
    )
    await relay_broker.start()
    await relay_broker.wait_connected(10)
    handlers = {WidgetCreated.event_type: record_application}
    try:
        async with (
            consuming(clean_tables, broker, handlers),
            running(relay_for(clean_tables, relay_broker, max_backoff_seconds=0.5)),
        ):
            await create_widget(clean_tables, OUTBOX, "before-outage")
            await wait_until(lambda: _has(clean_tables, "before-outage"), message="first event")

            await proxy.cut()
            for number in range(20):
                await create_widget(clean_tables, OUTBOX, f"during-outage-{number}")
            # Nothing can get through while the broker is unreachable.
            assert await _unpublished(clean_tables) == 20

            await proxy.restore()
            subjects = await wait_until(
                lambda: _all_applied(clean_tables, 21),
                timeout=30,
                message="the events held back during the outage",
            )
    finally:
        await relay_broker.close()
        await proxy.close()

    assert all(times == 1 for times in subjects.values())
    assert {f"during-outage-{n}" for n in range(20)} <= set(subjects)


async def _unpublished(database: Database) -> int:
    async with database.transaction() as session:
        outbox = messaging.outbox
        return int(
            await session.scalar(sa.select(sa.func.count()).where(outbox.c.published_at.is_(None)))
            or 0
        )


async def _all_applied(database: Database, expected: int) -> dict[str, int] | None:
    subjects = await applied_subjects(database)
    return subjects if len(subjects) >= expected else None


class RelayThatDiesBeforeMarking(OutboxRelay):
    """Publishes a batch, then 'crashes' before recording that it did (the worst moment)."""

    async def mark_sent(self, session: AsyncSession, row_ids: list[int]) -> None:
        self.published_before_crash = len(row_ids)
        raise SystemExit("relay process killed mid-batch")


async def test_a_relay_restarted_mid_batch_delivers_every_event_and_each_applies_once(
    clean_tables: Database, broker: Broker
) -> None:
    for number in range(50):
        await create_widget(clean_tables, OUTBOX, f"batch-{number}")
    dying = RelayThatDiesBeforeMarking(clean_tables, messaging, broker, batch_size=30)
    handlers = {WidgetCreated.event_type: record_application}

    async with consuming(clean_tables, broker, handlers) as consumer:
        with pytest.raises(SystemExit):
            await dying.publish_pending()
        assert dying.published_before_crash == 30
        assert await _unpublished(clean_tables) == 50  # the crash undid the marking

        async with running(relay_for(clean_tables, broker)):
            subjects = await wait_until(
                lambda: _all_applied(clean_tables, 50), message="all 50 events applied"
            )
            await wait_until(lambda: _no_unpublished(clean_tables), message="outbox drained")
        duplicates = await wait_until(
            lambda: _counted(consumer, WidgetCreated.event_type, "duplicate", 30),
            message="the 30 republished events to reach the consumer",
        )

    assert len(subjects) == 50
    assert set(subjects.values()) == {1}
    assert duplicates == 30


async def _no_unpublished(database: Database) -> bool:
    return await _unpublished(database) == 0


async def _counted(consumer: EventConsumer, event_type: str, outcome: str, at_least: int) -> float:
    from educert_common.events.consumer import EVENTS_CONSUMED

    value = EVENTS_CONSUMED.labels(consumer.service, event_type, outcome)._value.get()
    return value if value >= at_least else 0


async def publish_raw(broker: Broker, envelope: EventEnvelope) -> None:
    channel = await broker.channel()
    try:
        exchange = await broker.exchange(channel)
        await exchange.publish(
            aio_pika.Message(
                envelope.model_dump_json().encode(), delivery_mode=aio_pika.DeliveryMode.PERSISTENT
            ),
            routing_key=envelope.type,
        )
    finally:
        await channel.close()


def envelope_of(event: Event, subject: str) -> EventEnvelope:
    return EventEnvelope(
        type=event.event_type, source="testing", subject=subject, data=event.model_dump(mode="json")
    )


@catalogued
class WidgetKeyIssued(Event):
    """Carries a secret only the consumer may see (like a one-time code)."""

    event_type = "testing.widget.key_issued"
    secret_fields = frozenset({"key"})

    widget_id: str
    key: str


async def _outbox_payloads(database: Database) -> list[str]:
    async with database.transaction() as session:
        return list(
            (await session.execute(sa.text("SELECT payload::text FROM outbox_events"))).scalars()
        )


async def test_secret_fields_stay_until_published_then_are_redacted(
    clean_tables: Database, broker: Broker
) -> None:
    secret = f"secret-{uuid.uuid4().hex}"
    received: list[dict[str, object]] = []

    async def keep(session: AsyncSession, envelope: EventEnvelope) -> None:
        received.append(envelope.data)

    async with clean_tables.transaction() as session:
        await OUTBOX.add(session, WidgetKeyIssued(widget_id="k-1", key=secret), subject="k-1")
    async with consuming(clean_tables, broker, {WidgetKeyIssued.event_type: keep}):
        # A relay that dies before marking the row sent leaves the secret for the next one.
        dying = RelayThatDiesBeforeMarking(clean_tables, messaging, broker)
        with pytest.raises(SystemExit):
            await dying.publish_pending()
        assert any(secret in payload for payload in await _outbox_payloads(clean_tables))
        assert await relay_for(clean_tables, broker).publish_pending() == 1
        await wait_until(lambda: _async(bool(received)), message="the event to be handled")

    assert received[0]["key"] == secret
    payloads = await _outbox_payloads(clean_tables)
    assert len(payloads) == 1 and secret not in payloads[0]
    assert '"key": "[redacted]"' in payloads[0] and '"widget_id": "k-1"' in payloads[0]


async def _async(value: bool) -> bool:
    return value


async def test_a_duplicate_delivery_has_one_effect(clean_tables: Database, broker: Broker) -> None:
    envelope = envelope_of(WidgetCreated(widget_id="dup"), "dup")
    marker = envelope_of(WidgetCreated(widget_id="after"), "after")
    handlers = {WidgetCreated.event_type: record_application}
    async with consuming(clean_tables, broker, handlers):
        await publish_raw(broker, envelope)
        await publish_raw(broker, envelope)
        await publish_raw(broker, envelope)
        await publish_raw(broker, marker)
        await wait_until(lambda: _has(clean_tables, "after"), message="the marker")
        await wait_until(lambda: _has(clean_tables, "dup"), message="the duplicated event")

    assert (await applied_subjects(clean_tables))["dup"] == 1


async def test_a_handler_that_always_fails_ends_in_the_dead_letter_queue_and_others_flow(
    clean_tables: Database, broker: Broker
) -> None:
    attempts: list[uuid.UUID] = []

    async def always_fails(session: AsyncSession, envelope: EventEnvelope) -> None:
        attempts.append(envelope.id)
        await session.execute(sa.insert(widgets).values(id=f"half-written-{len(attempts)}"))
        raise ValueError("this handler cannot cope")

    handlers: dict[str, EventHandler] = {
        WidgetCreated.event_type: record_application,
        WidgetBroke.event_type: always_fails,
    }
    poison = envelope_of(WidgetBroke(widget_id="bad"), "bad")
    async with consuming(clean_tables, broker, handlers) as consumer:
        await publish_raw(broker, poison)
        for number in range(10):
            await publish_raw(
                broker, envelope_of(WidgetCreated(widget_id=f"ok-{number}"), f"ok-{number}")
            )
        await wait_until(lambda: _all_applied(clean_tables, 10), message="the healthy events")
        dead = await wait_until(
            lambda: _get_one(broker, consumer.dead_queue_name), timeout=15, message="a dead letter"
        )

    assert EventEnvelope.model_validate_json(dead.body).id == poison.id
    assert dead.headers[ATTEMPT_HEADER] == 4  # first try + 3 retries
    assert attempts == [poison.id] * 4
    # Each failed attempt rolled back: nothing half-written stays, and no inbox row claims it.
    async with clean_tables.transaction() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(widgets)) == 0
        inbox = messaging.inbox
        assert (
            await session.scalar(sa.select(sa.func.count()).where(inbox.c.event_id == poison.id))
            == 0
        )


async def _get_one(broker: Broker, queue_name: str) -> aio_pika.abc.AbstractIncomingMessage | None:
    channel = await broker.channel()
    try:
        queue = await channel.get_queue(queue_name, ensure=True)
        message = await queue.get(fail=False, no_ack=True)
        return message
    finally:
        await channel.close()


async def test_stopping_a_consumer_loses_nothing(clean_tables: Database, broker: Broker) -> None:
    gate = asyncio.Event()

    async def slow_until_released(session: AsyncSession, envelope: EventEnvelope) -> None:
        if envelope.subject != "first":
            await gate.wait()
        await record_application(session, envelope)

    handlers: dict[str, EventHandler] = {WidgetCreated.event_type: slow_until_released}
    async with consuming(clean_tables, broker, handlers) as first:
        await publish_raw(broker, envelope_of(WidgetCreated(widget_id="first"), "first"))
        for number in range(30):
            await publish_raw(
                broker, envelope_of(WidgetCreated(widget_id=f"n{number}"), f"n{number}")
            )
        await wait_until(lambda: _has(clean_tables, "first"), message="the first event")
        first.shutdown_grace_seconds = 0.5
        stopping = asyncio.create_task(first.stop())
        await wait_until(_returns_true(lambda: first._stopping), message="stop to begin")
        gate.set()
        await stopping

    # Whatever the first consumer did not finish, a fresh one picks up.
    async with consuming(clean_tables, broker, {WidgetCreated.event_type: record_application}):
        subjects = await wait_until(lambda: _all_applied(clean_tables, 31), message="all 31 events")

    assert set(subjects.values()) == {1}


def _returns_true(check: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def condition() -> bool:
        return check()

    return condition
