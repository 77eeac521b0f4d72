"""Notification delivery benchmark: identity code events -> SMS and e-mail recorded as sent.

Run:  .venv/bin/python bench/notification_delivery.py [--events 2000] [--replicas 1]

On a throwaway database prefix and broker prefix (dropped at the end) it starts the development
SMS carrier, the development SMTP sink and the notification service (consumer + delivery worker)
as real uvicorn processes. A producer writes N `identity.verification_code.issued` events the way
identity does (one transaction each through the transactional Outbox, published by an
OutboxRelay); half ask for SMS to distinct mainland numbers, half for e-mail to distinct
addresses; every one names a user, so each also lands in an in-app inbox.

Reported:
  throughput   SMS + e-mail deliveries recorded as sent per second, from the first event commit
               to the last delivery recorded as sent
  commit->sent p50/p95/p99/max: from the producer's commit of the event to the delivery's
               `sent_at` (provider accepted, recorded by the worker); same machine, same clock
Results go to stdout and bench/results/notification_delivery.json.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"
RUN = uuid.uuid4().hex[:6]
PREFIX = f"educert_bench_{RUN}_"
os.environ.update(
    {
        "EDUCERT_DATABASE_PREFIX": PREFIX,
        "EDUCERT_BROKER_PREFIX": f"bench{RUN}.",
        "EDUCERT_LOG_LEVEL": "WARNING",
        "EDUCERT_ENVIRONMENT": "test",
    }
)

import aio_pika  # noqa: E402
from alembic.operations import Operations  # noqa: E402
from alembic.runtime.migration import MigrationContext  # noqa: E402
from sqlalchemy import select  # noqa: E402

from educert_common.db import Database, ensure_database, service_metadata  # noqa: E402
from educert_common.events.broker import Broker  # noqa: E402
from educert_common.events.catalogue import VerificationCodeIssued  # noqa: E402
from educert_common.events.outbox import Outbox, OutboxRelay  # noqa: E402
from educert_common.events.tables import MessagingTables, create_messaging_tables  # noqa: E402
from educert_common.migrations import upgrade_async  # noqa: E402
from educert_common.settings import PlatformSettings  # noqa: E402
from educert_common.testing.infra import (  # noqa: E402
    delete_test_broker_entities,
    drop_test_databases,
)
from educert_common.testing.processes import RunningProcess, free_port  # noqa: E402
from notification.config import NotificationSettings  # noqa: E402
from notification.models import Delivery  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


async def producer_database(platform: PlatformSettings) -> tuple[Database, MessagingTables]:
    """A stand-in for identity's database: just its outbox, built by the same migration step."""
    url = f"{platform.postgres_url}/{PREFIX}producer"
    await ensure_database(url)
    database = Database.connect(url, pool_size=20)
    tables = MessagingTables.define(service_metadata())

    def migrate(connection: Any) -> None:
        create_messaging_tables(Operations(MigrationContext.configure(connection)))

    async with database.engine.begin() as connection:
        await connection.run_sync(migrate)
    return database, tables


async def wait_consuming(queue: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    connection = await aio_pika.connect(PlatformSettings().broker_url)
    async with connection:
        while time.monotonic() < deadline:
            channel = await connection.channel()
            try:
                declared = await channel.declare_queue(queue, passive=True)
                if declared.declaration_result.consumer_count:
                    return
            except aio_pika.exceptions.ChannelClosed:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError("notification never started consuming")


async def main(events: int, replicas: int, concurrency: int) -> dict[str, Any]:
    platform = PlatformSettings()
    settings = NotificationSettings()
    await upgrade_async(
        ROOT / "services" / "notification" / "migrations", settings.resolved_database_url()
    )
    logs = Path(tempfile.mkdtemp(prefix=f"notification-bench-{RUN}-"))
    smtp_port = free_port()
    env = {"NOTIFICATION_SMTP_PORT": str(smtp_port)}
    carrier = RunningProcess(
        "sms-carrier", "notification.devtools.carrier:create_app", env=env, log_dir=logs
    ).start()
    sink = RunningProcess(
        "smtp-sink", "notification.devtools.smtp_sink:create_app", env=env, log_dir=logs
    ).start()
    service_env = {
        **env,
        "NOTIFICATION_SMS_CARRIER_URL": carrier.url,
        "NOTIFICATION_DELIVERY_CONCURRENCY": str(concurrency),
        # Each replica: pool + overflow; keep the total under max_connections.
        "NOTIFICATION_DATABASE_POOL_SIZE": str(max(4, 20 // replicas)),
        # Codes to distinct destinations: the limits never bite, but they are checked.
    }
    services = [
        RunningProcess(
            f"notification-{i}", "notification.main:create_app", env=service_env, log_dir=logs
        )
        for i in range(replicas)
    ]
    processes = [carrier, sink, *services]
    producer, tables = await producer_database(platform)
    broker = Broker(platform.broker_url, prefix=platform.broker_prefix)
    try:
        for process in services:
            process.start()
        await asyncio.gather(*(p.wait_ready(timeout=60) for p in processes))
        await wait_consuming(f"{platform.broker_prefix}notification.events")
        await broker.start()
        await broker.wait_connected(10)
        relay = OutboxRelay(producer, tables, broker, poll_seconds=0.5, source="identity")
        relay_task = asyncio.create_task(relay.run())
        outbox = Outbox(tables, source="identity")

        committed: dict[uuid.UUID, datetime] = {}

        async def emit(index: int) -> None:
            channel = "sms" if index % 2 == 0 else "email"
            destination = (
                f"139{index:08d}" if channel == "sms" else f"bench-{RUN}-{index}@example.com"
            )
            event = VerificationCodeIssued(
                user_id=uuid.uuid4(),
                channel=channel,
                destination=destination,
                code=f"{index % 1_000_000:06d}",
                purpose="register",
                expires_at=datetime.now(UTC) + timedelta(minutes=5),
                locale="zh" if index % 3 else "en",
            )
            async with producer.transaction() as session:
                envelope = await outbox.add(session, event, subject=str(event.user_id))
            committed[envelope.id] = datetime.now(UTC)

        started = time.perf_counter()
        semaphore = asyncio.Semaphore(16)

        async def emit_bounded(index: int) -> None:
            async with semaphore:
                await emit(index)

        await asyncio.gather(*(emit_bounded(i) for i in range(events)))
        produced_seconds = time.perf_counter() - started

        notification_db = Database.connect(settings.resolved_database_url(), pool_size=2)
        deadline = time.monotonic() + 600
        rows: list[Any] = []
        while time.monotonic() < deadline:
            async with notification_db.transaction() as session:
                rows = list(
                    (
                        await session.execute(
                            select(
                                Delivery.source_event_id,
                                Delivery.created_at,
                                Delivery.sent_at,
                                Delivery.status,
                            ).where(Delivery.channel.in_(["sms", "email"]))
                        )
                    ).all()
                )
            done = [r for r in rows if r.status in ("sent", "failed", "dead")]
            if len(done) >= events:
                break
            await asyncio.sleep(0.2)
        await notification_db.dispose()
        relay.stop()
        await relay_task
    finally:
        await broker.close()
        await producer.dispose()
        for process in reversed(processes):
            process.stop()

    sent = [r for r in rows if r.status == "sent" and r.source_event_id in committed]
    latencies = [(r.sent_at - committed[r.source_event_id]).total_seconds() for r in sent]
    queued = [(r.created_at - committed[r.source_event_id]).total_seconds() for r in sent]
    first_commit = min(committed.values())
    last_sent = max(r.sent_at for r in sent)
    span = (last_sent - first_commit).total_seconds()
    result = {
        "events": events,
        "replicas": replicas,
        "delivery_concurrency": concurrency,
        "sent": len(sent),
        "not_sent": events - len(sent),
        "producer_seconds": round(produced_seconds, 3),
        "span_seconds": round(span, 3),
        "throughput_per_second": round(len(sent) / span, 1),
        "commit_to_sent_ms": {
            "p50": round(percentile(latencies, 50) * 1000, 1),
            "p95": round(percentile(latencies, 95) * 1000, 1),
            "p99": round(percentile(latencies, 99) * 1000, 1),
            "max": round(max(latencies) * 1000, 1),
            "mean": round(statistics.fmean(latencies) * 1000, 1),
        },
        # Where the time goes: event commit -> delivery row written by the consumer's handler.
        "commit_to_queued_ms": {
            "p50": round(percentile(queued, 50) * 1000, 1),
            "p99": round(percentile(queued, 99) * 1000, 1),
        },
    }
    return result


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    platform = PlatformSettings()
    try:
        result = asyncio.run(main(args.events, args.replicas, args.concurrency))
    finally:
        asyncio.run(drop_test_databases(platform))
        delete_test_broker_entities(platform.broker_prefix)
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "notification_delivery.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(run())
