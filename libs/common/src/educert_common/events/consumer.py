"""The consumer: one quorum queue per service, idempotent handlers, delayed retries, dead letters.

Topology for service `svc` (names carry the broker prefix):
  svc.events                quorum queue bound to the handled types; broker-side delivery limit
  svc.events.retry.<N>ms    one quorum queue per retry delay; messages wait N ms there and are
                            dead-lettered back into svc.events
  svc.events.dead           where an event ends after its last retry (or the delivery limit)

A handler runs in one transaction with the inbox row for the event id; a redelivered event finds
its row, is acknowledged and has no second effect. The message is acknowledged only after the
transaction commits.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue, AbstractRobustChannel
from prometheus_client import Counter
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.context import correlation_id_var
from educert_common.db import Database
from educert_common.events.broker import Broker
from educert_common.events.envelope import EventEnvelope
from educert_common.events.tables import MessagingTables

logger = logging.getLogger(__name__)

EventHandler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]

ATTEMPT_HEADER = "x-educert-attempt"
ERROR_HEADER = "x-educert-error"

EVENTS_CONSUMED = Counter(
    "educert_events_consumed_total",
    "Events taken from the queue, by outcome",
    ["service", "event_type", "outcome"],
)


class EventConsumer:
    """Runs `handlers` (event type -> handler) for one service's queue."""

    def __init__(
        self,
        *,
        service: str,
        database: Database,
        messaging: MessagingTables,
        broker: Broker,
        handlers: Mapping[str, EventHandler],
        prefetch: int = 200,
        retry_delays_ms: Sequence[int] = (1_000, 10_000, 60_000),
        delivery_limit: int = 10,
        max_concurrency: int = 16,
        shutdown_grace_seconds: float = 10.0,
    ) -> None:
        self.service = service
        self.database = database
        self.messaging = messaging
        self.broker = broker
        self.handlers = dict(handlers)
        self.prefetch = prefetch
        self.retry_delays_ms = list(retry_delays_ms)
        self.delivery_limit = delivery_limit
        self.shutdown_grace_seconds = shutdown_grace_seconds
        self.queue_name = broker.queue_name(service)
        self.dead_queue_name = broker.queue_name(service, ".dead")
        self._channel: AbstractRobustChannel | None = None
        self._queue: AbstractQueue | None = None
        self._consumer_tag: str | None = None
        self._in_flight: set[asyncio.Task[Any]] = set()
        # Handlers each hold a database connection: run no more at once than the pool can serve.
        self._slots = asyncio.Semaphore(max_concurrency)
        self._stopping = False
        self.started = asyncio.Event()

    def retry_queue_name(self, delay_ms: int) -> str:
        return self.broker.queue_name(self.service, f".retry.{delay_ms}ms")

    async def start(self) -> None:
        """Declare the topology and consume as soon as the broker is reachable."""
        self.broker.on_first_connect(self._declare_and_consume)

    async def _declare_and_consume(self) -> None:
        if self._stopping:
            return
        channel = await self.broker.channel(prefetch=self.prefetch)
        self._channel = channel
        await self.declare_topology(channel)
        assert self._queue is not None
        self._consumer_tag = await self._queue.consume(self._on_message)
        self.started.set()
        logger.info("consuming", extra={"queue": self.queue_name, "types": sorted(self.handlers)})

    async def declare_topology(self, channel: AbstractRobustChannel) -> None:
        quorum = {"x-queue-type": "quorum"}
        await channel.declare_queue(self.dead_queue_name, durable=True, arguments=quorum)
        for delay in self.retry_delays_ms:
            await channel.declare_queue(
                self.retry_queue_name(delay),
                durable=True,
                arguments={
                    **quorum,
                    "x-message-ttl": delay,
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": self.queue_name,
                },
            )
        queue = await channel.declare_queue(
            self.queue_name,
            durable=True,
            arguments={
                **quorum,
                "x-delivery-limit": self.delivery_limit,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": self.dead_queue_name,
            },
        )
        exchange = await self.broker.exchange(channel)
        for event_type in sorted(self.handlers):
            await queue.bind(exchange, routing_key=event_type)
        self._queue = queue

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            async with self._slots:
                if self._stopping:
                    await message.nack(requeue=True)  # not started: leave it for the next consumer
                    return
                await self.process(message)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def process(self, message: AbstractIncomingMessage) -> None:
        try:
            envelope = EventEnvelope.model_validate_json(message.body)
        except ValidationError as exc:
            logger.error("malformed event dead-lettered", extra={"error": str(exc)[:500]})
            await self._dead_letter(message, f"malformed envelope: {exc}"[:1000])
            EVENTS_CONSUMED.labels(self.service, "malformed", "dead").inc()
            return
        handler = self.handlers.get(envelope.type)
        if handler is None:
            await message.ack()  # bound by an older version of this service; nothing to do
            EVENTS_CONSUMED.labels(self.service, envelope.type, "ignored").inc()
            return
        token = correlation_id_var.set(envelope.correlation_id or str(envelope.id))
        try:
            applied = await self._apply(handler, envelope)
        except Exception as exc:
            logger.exception(
                "event handler failed",
                extra={"event_id": str(envelope.id), "event_type": envelope.type},
            )
            await self._retry_or_dead_letter(message, envelope, exc)
            return
        finally:
            correlation_id_var.reset(token)
        await message.ack()
        EVENTS_CONSUMED.labels(
            self.service, envelope.type, "applied" if applied else "duplicate"
        ).inc()

    async def _apply(self, handler: EventHandler, envelope: EventEnvelope) -> bool:
        inbox = self.messaging.inbox
        async with self.database.transaction() as session:
            claimed = await session.execute(
                insert(inbox)
                .values(event_id=envelope.id, event_type=envelope.type)
                .on_conflict_do_nothing(index_elements=[inbox.c.event_id])
                .returning(inbox.c.event_id)
            )
            if claimed.first() is None:
                return False  # already applied: the redelivery has no second effect
            await handler(session, envelope)
        return True

    async def _retry_or_dead_letter(
        self, message: AbstractIncomingMessage, envelope: EventEnvelope, exc: Exception
    ) -> None:
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 0) or 0) + 1
        reason = f"{type(exc).__name__}: {exc}"[:1000]
        try:
            if attempt <= len(self.retry_delays_ms):
                delay = self.retry_delays_ms[attempt - 1]
                await self._republish(message, self.retry_queue_name(delay), attempt, reason)
                outcome = "retried"
            else:
                await self._republish(message, self.dead_queue_name, attempt, reason)
                outcome = "dead"
        except Exception:
            # Could not park it: hand it back; the broker's delivery limit still bounds it.
            logger.exception("could not schedule a retry; requeueing")
            await message.nack(requeue=True)
            return
        await message.ack()
        EVENTS_CONSUMED.labels(self.service, envelope.type, outcome).inc()

    async def _dead_letter(self, message: AbstractIncomingMessage, reason: str) -> None:
        try:
            await self._republish(message, self.dead_queue_name, 0, reason)
        except Exception:
            await message.nack(requeue=True)
            return
        await message.ack()

    async def _republish(
        self, message: AbstractIncomingMessage, queue: str, attempt: int, reason: str
    ) -> None:
        assert self._channel is not None
        headers = dict(message.headers or {})
        headers[ATTEMPT_HEADER] = attempt
        headers[ERROR_HEADER] = reason
        await self._channel.default_exchange.publish(
            aio_pika.Message(
                body=message.body,
                headers=headers,
                content_type=message.content_type,
                type=message.type,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=queue,
            mandatory=True,
        )

    async def stop(self) -> None:
        """Stop taking messages, let the ones in hand finish, then close the channel.

        Anything delivered but not acknowledged goes back to the queue when the channel closes,
        so nothing is lost.
        """
        self._stopping = True
        if self._queue is not None and self._consumer_tag is not None:
            try:
                await self._queue.cancel(self._consumer_tag)
            except Exception:
                logger.debug("cancelling the consumer failed", exc_info=True)
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=self.shutdown_grace_seconds)
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()
