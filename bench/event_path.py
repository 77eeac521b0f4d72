"""Event path benchmark: raw publish rate, outbox relay throughput, commit-to-handler latency.

Run:  make bench-events   (or .venv/bin/python bench/event_path.py [--events 20000])

1. Raw aio-pika: persistent messages to a quorum queue with publisher confirms, a window of
   messages in flight: the ceiling the relay is measured against.
2. Outbox relay: rows already committed in the outbox, drained by `OutboxRelay` into a quorum
   queue; rows per second.
3. Latency: a producer commits one event per transaction at a steady rate; the relay publishes;
   an `EventConsumer` in another process runs the handler. Time from the producer's commit
   returning to the handler starting (same machine clock), p50/p99/max.

Everything runs against the local PostgreSQL and RabbitMQ with throwaway names (`bench_*`),
removed at the end. Results go to stdout and bench/results/event_path.json.
"""

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import aio_pika
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from educert_common.db import Database, drop_database, ensure_database, service_metadata
from educert_common.events.broker import Broker
from educert_common.events.consumer import EventConsumer
from educert_common.events.envelope import EventEnvelope
from educert_common.events.outbox import Outbox, OutboxRelay
from educert_common.events.tables import MessagingTables, create_messaging_tables
from educert_common.settings import PlatformSettings

# Benchmarks run like the tests (no development tools, no production checks).
os.environ.setdefault("EDUCERT_ENVIRONMENT", "test")

RESULTS = Path(__file__).parent / "results"
EVENT_TYPE = "bench.widget.created"
metadata = service_metadata()
messaging = MessagingTables.define(metadata)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def raw_publish_rate(broker_url: str, prefix: str, count: int, window: int) -> float:
    connection = await aio_pika.connect(broker_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange(f"{prefix}raw", "topic", durable=True)
        queue = await channel.declare_queue(
            f"{prefix}raw.quorum", durable=True, arguments={"x-queue-type": "quorum"}
        )
        await queue.bind(exchange, EVENT_TYPE)
        body = EventEnvelope(type=EVENT_TYPE, source="bench", subject="x", data={"n": 1})
        payload = body.model_dump_json().encode()
        started = time.perf_counter()
        for offset in range(0, count, window):
            await asyncio.gather(
                *(
                    exchange.publish(
                        aio_pika.Message(payload, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                        routing_key=EVENT_TYPE,
                    )
                    for _ in range(min(window, count - offset))
                )
            )
        elapsed = time.perf_counter() - started
        await queue.delete(if_unused=False, if_empty=False)
        await exchange.delete()
    return count / elapsed


async def fill_outbox(database: Database, count: int) -> None:
    outbox = Outbox(messaging, source="bench")
    rows = [
        {
            "event_id": (
                envelope := EventEnvelope(
                    type=EVENT_TYPE, source=outbox.source, subject=str(n), data={"n": n}
                )
            ).id,
            "event_type": EVENT_TYPE,
            "payload": envelope.model_dump(mode="json"),
        }
        for n in range(count)
    ]
    async with database.transaction() as session:
        for offset in range(0, count, 5000):
            await session.execute(sa.insert(messaging.outbox), rows[offset : offset + 5000])


async def declare_sink(broker: Broker) -> None:
    channel = await broker.channel()
    exchange = await broker.exchange(channel)
    queue = await channel.declare_queue(
        broker.queue_name("sink"), durable=True, arguments={"x-queue-type": "quorum"}
    )
    await queue.bind(exchange, EVENT_TYPE)
    await channel.close()


async def relay_throughput(database: Database, broker: Broker, count: int) -> float:
    await fill_outbox(database, count)
    relay = OutboxRelay(database, messaging, broker, batch_size=500, source="bench")
    started = time.perf_counter()
    published = 0
    while published < count:
        published += await relay.publish_pending()
    elapsed = time.perf_counter() - started
    return count / elapsed


def consumer_process(
    database_url: str, broker_url: str, prefix: str, ready: Any, results: Any, expected: int
) -> None:
    async def main() -> None:
        database = Database.connect(database_url)
        broker = Broker(broker_url, prefix=prefix)
        await broker.start()
        handled: dict[str, float] = {}
        done = asyncio.Event()

        async def handler(session: Any, envelope: EventEnvelope) -> None:
            handled[envelope.subject] = time.time()
            if len(handled) >= expected:
                done.set()

        consumer = EventConsumer(
            service="latency",
            database=database,
            messaging=messaging,
            broker=broker,
            handlers={EVENT_TYPE: handler},
        )
        await consumer.start()
        await consumer.started.wait()
        ready.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), 120)
        await consumer.stop()
        await broker.close()
        await database.dispose()
        results.put(handled)

    asyncio.run(main())


async def commit_to_handler_latency(
    database: Database, broker: Broker, rate: int, seconds: float
) -> dict[str, float]:
    expected = int(rate * seconds)
    context = multiprocessing.get_context("spawn")
    ready, results = context.Event(), context.Queue()
    url = database.engine.url.render_as_string(hide_password=False)
    process = context.Process(
        target=consumer_process,
        args=(url, broker.url, broker.prefix, ready, results, expected),
    )
    process.start()
    await asyncio.to_thread(ready.wait, 60)
    relay = OutboxRelay(database, messaging, broker, poll_seconds=1.0, source="bench")
    relay_task = asyncio.create_task(relay.run())
    outbox = Outbox(messaging, source="bench")
    committed: dict[str, float] = {}
    started = time.perf_counter()
    for n in range(expected):
        # Steady pacing: each event has its slot; sleep only until the slot comes.
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        async with database.transaction() as session:
            await outbox.add_envelope(
                session,
                EventEnvelope(type=EVENT_TYPE, source="bench", subject=f"l{n}", data={"n": n}),
            )
        committed[f"l{n}"] = time.time()
    handled = await asyncio.to_thread(results.get, True, 150)
    process.join(30)
    relay.stop()
    await relay_task
    latencies = [(handled[k] - committed[k]) * 1000 for k in committed if k in handled]
    return {
        "events": expected,
        "handled": len(latencies),
        "rate_per_second": rate,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = PlatformSettings()
    run_id = uuid.uuid4().hex[:6]
    prefix = f"bench{run_id}."
    url = f"{settings.postgres_url}/educert_bench_events_{run_id}"
    await ensure_database(url)
    database = Database.connect(url, pool_size=20)
    async with database.engine.begin() as connection:
        await connection.run_sync(
            lambda sync: create_messaging_tables(Operations(MigrationContext.configure(sync)))
        )
    broker = Broker(settings.broker_url, prefix=prefix)
    await broker.start()
    await broker.wait_connected(10)
    try:
        raw = await raw_publish_rate(settings.broker_url, prefix, args.events, args.window)
        await declare_sink(broker)
        relay = await relay_throughput(database, broker, args.events)
        latency = await commit_to_handler_latency(database, broker, args.rate, args.seconds)
    finally:
        await broker.close()
        await database.dispose()
        await drop_database(url)
        from educert_common.testing.infra import delete_test_broker_entities

        await asyncio.to_thread(delete_test_broker_entities, prefix)
    return {
        "raw_publish_per_second": round(raw),
        "relay_per_second": round(relay),
        "relay_share_of_raw": round(relay / raw, 3),
        "latency": {k: round(v, 2) if isinstance(v, float) else v for k, v in latency.items()},
        "events": args.events,
        "window": args.window,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--window", type=int, default=500, help="publishes in flight (raw)")
    parser.add_argument("--rate", type=int, default=500, help="events per second (latency)")
    parser.add_argument("--seconds", type=float, default=10.0)
    result = asyncio.run(run(parser.parse_args()))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "event_path.json").write_text(json.dumps(result, indent=2))
    latency = result["latency"]
    print(
        "raw aio-pika publish (confirms, quorum queue): "
        f"{result['raw_publish_per_second']:>7} msg/s"
    )
    print(
        f"outbox relay:                                  {result['relay_per_second']:>7} ev/s "
        f"({result['relay_share_of_raw']:.0%} of raw; target >= 67%)"
    )
    print(
        f"commit-to-handler at {latency['rate_per_second']} ev/s: p50 {latency['p50_ms']} ms, "
        f"p99 {latency['p99_ms']} ms, max {latency['max_ms']} ms "
        f"({latency['handled']}/{latency['events']} handled; target p99 < 50 ms)"
    )


if __name__ == "__main__":
    main()
