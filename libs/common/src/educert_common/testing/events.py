"""Recording what services publish: a throwaway queue on the run's exchange that keeps every
delivery (duplicates included), for tests to look at and wait on."""

import json
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aio_pika

from educert_common.events.envelope import EventEnvelope
from educert_common.settings import PlatformSettings
from educert_common.testing.waiting import wait_until


@dataclass
class EventRecorder:
    """Every envelope delivered to the queue, in arrival order."""

    messages: list[dict[str, Any]] = field(default_factory=list)

    def of(self, event_type: str, **data: Any) -> list[dict[str, Any]]:
        """The envelopes of `event_type` whose data fields equal `data` (compared as text)."""
        return [
            m
            for m in self.messages
            if m["type"] == event_type
            and all(str(m["data"].get(k)) == str(v) for k, v in data.items())
        ]

    async def wait_for(self, event_type: str, timeout: float = 15, **data: Any) -> dict[str, Any]:
        """The latest matching envelope, once one has arrived (fails at the deadline)."""

        async def arrived() -> dict[str, Any] | None:
            found = self.of(event_type, **data)
            return found[-1] if found else None

        return await wait_until(arrived, timeout=timeout, message=f"event {event_type} {data}")


@asynccontextmanager
async def recording(routing_keys: Iterable[str], name: str) -> AsyncIterator[EventRecorder]:
    """Record the events matching `routing_keys` (topic patterns) while the block runs."""
    settings = PlatformSettings()
    recorder = EventRecorder()
    connection = await aio_pika.connect_robust(settings.broker_url)
    try:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            f"{settings.broker_prefix}educert.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(
            f"{settings.broker_prefix}{name}.{uuid.uuid4().hex[:8]}",
            durable=False,
            exclusive=True,
        )
        for key in routing_keys:
            await queue.bind(exchange, routing_key=key)

        async def keep(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                recorder.messages.append(json.loads(message.body))

        await queue.consume(keep)
        yield recorder
    finally:
        await connection.close()


async def publish(*envelopes: EventEnvelope) -> None:
    """Publish as a producer's outbox relay does: persistent, mandatory, confirmed."""
    settings = PlatformSettings()
    connection = await aio_pika.connect(settings.broker_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(f"{settings.broker_prefix}educert.events")
        for item in envelopes:
            await exchange.publish(
                aio_pika.Message(
                    body=item.model_dump_json().encode(),
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    type=item.type,
                ),
                routing_key=item.type,
                mandatory=True,
            )


async def consumer_count(queue: str) -> int:
    connection = await aio_pika.connect(PlatformSettings().broker_url)
    async with connection:
        channel = await connection.channel()
        try:
            declared = await channel.declare_queue(queue, passive=True)
        except aio_pika.exceptions.ChannelClosed:
            return 0
        return int(declared.declaration_result.consumer_count or 0)


async def wait_for_consumer(service: str, timeout: float = 30) -> None:
    """Until `service`'s event queue has its consumer (a process reports ready before its
    consumer has bound the queue; events published before then would find no queue)."""
    queue = f"{PlatformSettings().broker_prefix}{service}.events"

    async def attached() -> bool:
        return await consumer_count(queue) > 0

    await wait_until(attached, timeout=timeout, message=f"{queue} consumer")
