"""The transactional outbox: events are rows written with the change they report, then relayed.

`Outbox.add` writes the row in the caller's transaction, so nothing is published that did not
commit. `OutboxRelay` publishes pending rows in batches with publisher confirms and marks them
sent; if it dies between the two, the rows go out again and the consumers' inbox absorbs them.
"""

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import aiormq
from prometheus_client import Counter, Histogram
from sqlalchemy import Row, Text, cast, delete, func, insert, literal, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.context import current_correlation_id
from educert_common.db import Database
from educert_common.events.broker import Broker, BrokerUnavailable
from educert_common.events.catalogue import CATALOGUE, Event
from educert_common.events.envelope import EventEnvelope
from educert_common.events.tables import OUTBOX_CHANNEL, MessagingTables
from educert_common.wakeup import PostgresWakeup

logger = logging.getLogger(__name__)

EVENTS_PUBLISHED = Counter(
    "educert_outbox_published_total", "Outbox events published", ["source", "event_type"]
)
EVENTS_UNROUTABLE = Counter(
    "educert_outbox_unroutable_total",
    "Events the broker returned because no queue is bound to their type",
    ["source", "event_type"],
)
RELAY_BATCH_SECONDS = Histogram(
    "educert_outbox_batch_seconds", "Time to publish and mark one relay batch", ["source"]
)
SENT_RETENTION = timedelta(days=7)
# What a secret field of a published event reads as in the stored row (JSON text).
REDACTED = '"[redacted]"'


class Outbox:
    """Writes events into the current transaction."""

    def __init__(self, tables: MessagingTables, *, source: str) -> None:
        self.tables = tables
        self.source = source

    def envelope(self, event: Event, *, subject: str) -> EventEnvelope:
        """The envelope this service would publish `event` about `subject` in."""
        return EventEnvelope(
            type=event.event_type,
            version=event.event_version,
            source=self.source,
            correlation_id=current_correlation_id(),
            subject=subject,
            data=event.model_dump(mode="json"),
        )

    @staticmethod
    def row(envelope: EventEnvelope) -> dict[str, Any]:
        """The outbox row of an envelope, for callers that batch it into their own insert."""
        return {
            "event_id": envelope.id,
            "event_type": envelope.type,
            "payload": envelope.model_dump(mode="json"),
        }

    async def add(self, session: AsyncSession, event: Event, *, subject: str) -> EventEnvelope:
        """Record `event` about `subject` in the session's transaction; return its envelope."""
        envelope = self.envelope(event, subject=subject)
        await self.add_envelope(session, envelope)
        return envelope

    async def add_many(
        self, session: AsyncSession, events: Sequence[tuple[Event, str]]
    ) -> list[EventEnvelope]:
        """Record several (event, subject) pairs with one statement."""
        envelopes = [self.envelope(event, subject=subject) for event, subject in events]
        if envelopes:
            await session.execute(insert(self.tables.outbox), [self.row(e) for e in envelopes])
        return envelopes

    async def add_envelope(self, session: AsyncSession, envelope: EventEnvelope) -> None:
        await session.execute(insert(self.tables.outbox).values(**self.row(envelope)))


class OutboxRelay:
    """Publishes committed outbox rows; woken by NOTIFY, polling as a fallback, backing off
    while the broker or the database is away. Several replicas may run: rows are claimed with
    FOR UPDATE SKIP LOCKED."""

    def __init__(
        self,
        database: Database,
        tables: MessagingTables,
        broker: Broker,
        *,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        max_backoff_seconds: float = 30.0,
        source: str = "unknown",
    ) -> None:
        self.database = database
        self.tables = tables
        self.broker = broker
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.source = source
        self._wakeup = PostgresWakeup(database, OUTBOX_CHANNEL)
        self._stopping = asyncio.Event()
        self._channel: Any = None
        self._exchange: Any = None
        self._last_cleanup = 0.0

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        """Ask the loop to finish its current batch and end."""
        self._stopping.set()
        self._wakeup.set()

    async def run(self) -> None:
        backoff = 0.0
        await self._wait_for_broker()
        try:
            while not self._stopping.is_set():
                try:
                    await self._wakeup.ensure_listening()
                    # Cleared before the batch, so a NOTIFY arriving during it is not lost.
                    self._wakeup.clear()
                    published = await self.publish_pending()
                    backoff = 0.0
                    if published >= self.batch_size:
                        continue  # more may be waiting
                    self._cleanup_now_and_then()
                    await self._sleep(self.poll_seconds)
                except (BrokerUnavailable, aio_pika.exceptions.AMQPError, OSError) as exc:
                    backoff = min(max(backoff * 2, 0.2), self.max_backoff_seconds)
                    logger.warning(
                        "outbox relay cannot publish, backing off",
                        extra={"retry_in_seconds": backoff, "error": repr(exc)},
                    )
                    await self._drop_channel()
                    self._wakeup.clear()
                    await self._sleep(backoff)
                except Exception:
                    backoff = min(max(backoff * 2, 0.2), self.max_backoff_seconds)
                    logger.exception("outbox relay failed, backing off")
                    await self._wakeup.close()
                    self._wakeup.clear()
                    await self._sleep(backoff)
        finally:
            await self._wakeup.close()
            await self._drop_channel()

    async def _wait_for_broker(self) -> None:
        connected = asyncio.create_task(self.broker.wait_connected())
        stopping = asyncio.create_task(self._stopping.wait())
        await asyncio.wait({connected, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for task in (connected, stopping):
            task.cancel()

    async def _sleep(self, seconds: float) -> None:
        await self._wakeup.wait(seconds)

    async def publish_pending(self) -> int:
        """Publish one batch of pending rows and mark them sent; return how many."""
        exchange = await self._ensure_exchange()
        started = time.perf_counter()
        outbox = self.tables.outbox
        async with self.database.transaction() as session:
            # Losing the "sent" mark in a crash only means publishing again, which consumers
            # absorb; so this transaction need not wait for its own fsync.
            await session.execute(text("SET LOCAL synchronous_commit = off"))
            rows = (
                await session.execute(
                    select(outbox.c.id, outbox.c.event_type, cast(outbox.c.payload, Text))
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            await self._publish(exchange, rows)
            await self.mark_sent(session, [row.id for row in rows])
            await self.redact_secrets(session, rows)
        RELAY_BATCH_SECONDS.labels(self.source).observe(time.perf_counter() - started)
        return len(rows)

    async def _publish(self, exchange: Any, rows: Sequence[Row[Any]]) -> None:
        # All of a batch in flight at once: confirms come back as a window, not one by one.
        results = await asyncio.gather(
            *(
                exchange.publish(
                    aio_pika.Message(
                        body=row[2].encode(),
                        content_type="application/json",
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        type=row.event_type,
                    ),
                    routing_key=row.event_type,
                    mandatory=True,
                )
                for row in rows
            )
        )
        for row, result in zip(rows, results, strict=True):
            EVENTS_PUBLISHED.labels(self.source, row.event_type).inc()
            if isinstance(result, aiormq.abc.DeliveredMessage):
                EVENTS_UNROUTABLE.labels(self.source, row.event_type).inc()
                logger.warning("event unroutable", extra={"event_type": row.event_type})

    async def mark_sent(self, session: AsyncSession, row_ids: list[int]) -> None:
        outbox = self.tables.outbox
        await session.execute(
            update(outbox)
            .where(outbox.c.id.in_(row_ids))
            .values(published_at=datetime.now(UTC), attempts=outbox.c.attempts + 1)
        )

    async def redact_secrets(self, session: AsyncSession, rows: Sequence[Row[Any]]) -> None:
        """Overwrite the `secret_fields` of published events (one-time codes, links) in their
        stored rows, in the transaction that marks them sent: a row that was not marked keeps
        its secret, so publishing it again still delivers it."""
        outbox = self.tables.outbox
        by_type: dict[str, list[int]] = {}
        for row in rows:
            event_class = CATALOGUE.get(row.event_type)
            if event_class is not None and event_class.secret_fields:
                by_type.setdefault(row.event_type, []).append(row.id)
        for event_type, ids in by_type.items():
            payload: Any = outbox.c.payload
            for field in sorted(CATALOGUE[event_type].secret_fields):
                payload = func.jsonb_set(
                    payload,
                    cast(literal(["data", field]), ARRAY(Text)),
                    cast(literal(REDACTED), JSONB),
                    False,
                )
            await session.execute(
                update(outbox).where(outbox.c.id.in_(ids)).values(payload=payload)
            )

    async def _ensure_exchange(self) -> Any:
        if self._exchange is None or self._channel is None or self._channel.is_closed:
            self._channel = await self.broker.channel()
            self._exchange = await self.broker.exchange(self._channel)
        return self._exchange

    async def _drop_channel(self) -> None:
        channel, self._channel, self._exchange = self._channel, None, None
        if channel is not None and not channel.is_closed:
            try:
                await channel.close()
            except Exception:
                logger.debug("closing a broken channel failed", exc_info=True)

    def _cleanup_now_and_then(self) -> None:
        if time.monotonic() - self._last_cleanup < 3600:
            return
        self._last_cleanup = time.monotonic()
        asyncio.get_running_loop().create_task(self._delete_old_sent_rows())

    async def _delete_old_sent_rows(self) -> None:
        outbox = self.tables.outbox
        try:
            async with self.database.transaction() as session:
                await session.execute(
                    delete(outbox).where(outbox.c.published_at < datetime.now(UTC) - SENT_RETENTION)
                )
        except Exception:
            logger.warning("outbox cleanup failed", exc_info=True)
