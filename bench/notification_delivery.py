"""Notification delivery benchmark: identity code events -> SMS and e-mail recorded as sent.

Run:  .venv/bin/python bench/notification_delivery.py [--events 2000] [--rate 100]
          [--steady-seconds 20] [--replicas 1] [--concurrency 50]

On a throwaway database prefix and broker prefix (dropped at the end) it starts the development
SMS carrier, the development SMTP sink and the notification service (consumer + delivery worker)
as real uvicorn processes. A producer writes `identity.verification_code.issued` events the way
identity does (one transaction each through the transactional Outbox, published by an
OutboxRelay); half ask for SMS to distinct mainland numbers, half for e-mail to distinct
addresses; every one names a user, so each also lands in an in-app inbox.

Two phases, each waited for (bounded) until every delivery is sent or failed:
  burst   N events as fast as the producer commits them (16 at a time): the capacity.
          throughput = SMS + e-mail deliveries sent per second, from the first event commit to
          the last delivery recorded as sent; commit->sent percentiles of a burst mostly
          measure the queue the burst itself builds.
  steady  `--rate` events per second for `--steady-seconds` (below capacity): commit->sent
          p50/p95/p99/max is the latency a user sees.
commit->sent: from the producer's commit of the event to the delivery's `sent_at` (provider
accepted, recorded by the worker); same machine, same clock. commit->queued: to the delivery
row written by the consumer's handler. notification_cpu_ms_per_event: CPU time (user + system)
of the notification process(es) during the phase, per event — less noisy than rates when
other work shares the machine. Results go to stdout and bench/results/notification_delivery.json.
"""

import argparse
import asyncio
import json
import os
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
from sqlalchemy import func, select  # noqa: E402

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


def cpu_seconds(processes: list[RunningProcess]) -> float:
    """User + system CPU time of the processes so far (Linux /proc; 0 elsewhere)."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for process in processes:
        if process.popen is None:
            continue
        try:
            fields = Path(f"/proc/{process.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "p50": round(percentile(values, 50) * 1000, 1),
        "p95": round(percentile(values, 95) * 1000, 1),
        "p99": round(percentile(values, 99) * 1000, 1),
        "max": round(max(values) * 1000, 1),
    }


class Producer:
    """Commits code events through identity's outbox; remembers when each one committed."""

    def __init__(self, database: Database, tables: MessagingTables) -> None:
        self.database = database
        self.outbox = Outbox(tables, source="identity")
        self.committed: dict[uuid.UUID, datetime] = {}
        self.count = 0
        self._slots = asyncio.Semaphore(16)

    async def emit(self) -> uuid.UUID:
        index, self.count = self.count, self.count + 1
        channel = "sms" if index % 2 == 0 else "email"
        destination = f"139{index:08d}" if channel == "sms" else f"bench-{RUN}-{index}@example.com"
        event = VerificationCodeIssued(
            user_id=uuid.uuid4(),
            channel=channel,
            destination=destination,
            code=f"{index % 1_000_000:06d}",
            purpose="register",
            expires_at=datetime.now(UTC) + timedelta(minutes=5),
            locale="zh" if index % 3 else "en",
        )
        async with self._slots:
            async with self.database.transaction() as session:
                envelope = await self.outbox.add(session, event, subject=str(event.user_id))
            self.committed[envelope.id] = datetime.now(UTC)
        return envelope.id

    async def burst(self, events: int) -> list[uuid.UUID]:
        return list(await asyncio.gather(*(self.emit() for _ in range(events))))

    async def steady(self, rate: float, seconds: float) -> list[uuid.UUID]:
        """`rate` events per second on a fixed schedule (a late one does not delay the next)."""
        tasks: list[asyncio.Task[uuid.UUID]] = []
        started = time.monotonic()
        for index in range(int(rate * seconds)):
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.emit()))
        return list(await asyncio.wait_for(asyncio.gather(*tasks), timeout=seconds + 60))


async def wait_done(database: Database, expected: int, timeout: float) -> None:
    """Until `expected` SMS/e-mail deliveries in all are sent, failed or dead (or timeout)."""
    deadline = time.monotonic() + timeout
    statement = (
        select(func.count())
        .select_from(Delivery)
        .where(
            Delivery.channel.in_(["sms", "email"]),
            Delivery.status.in_(["sent", "failed", "dead"]),
        )
    )
    while time.monotonic() < deadline:
        async with database.transaction() as session:
            if (await session.scalar(statement) or 0) >= expected:
                return
        await asyncio.sleep(0.1)
    print(f"warning: gave up waiting after {timeout:.0f}s", file=sys.stderr)


async def outcomes(database: Database, event_ids: list[uuid.UUID]) -> list[Any]:
    async with database.transaction() as session:
        result = await session.execute(
            select(
                Delivery.source_event_id, Delivery.created_at, Delivery.sent_at, Delivery.status
            ).where(
                Delivery.channel.in_(["sms", "email"]),
                Delivery.source_event_id.in_(event_ids),
            )
        )
        return list(result.all())


def phase_result(
    producer: Producer, event_ids: list[uuid.UUID], rows: list[Any], cpu: float
) -> dict[str, Any]:
    committed = producer.committed
    sent = [r for r in rows if r.status == "sent"]
    latencies = [(r.sent_at - committed[r.source_event_id]).total_seconds() for r in sent]
    queued = [(r.created_at - committed[r.source_event_id]).total_seconds() for r in sent]
    result: dict[str, Any] = {
        "events": len(event_ids),
        "sent": len(sent),
        "not_sent": len(event_ids) - len(sent),
    }
    if sent:
        first_commit = min(committed[e] for e in event_ids)
        last_commit = max(committed[e] for e in event_ids)
        span = (max(r.sent_at for r in sent) - first_commit).total_seconds()
        result.update(
            {
                "producer_seconds": round((last_commit - first_commit).total_seconds(), 3),
                "span_seconds": round(span, 3),
                "throughput_per_second": round(len(sent) / span, 1),
                "commit_to_sent_ms": summary(latencies),
                "commit_to_queued_ms": summary(queued),
            }
        )
    if cpu:
        result["notification_cpu_ms_per_event"] = round(cpu / len(event_ids) * 1000, 2)
    return result


async def main(
    events: int, replicas: int, concurrency: int, rate: float, steady_seconds: float
) -> dict[str, Any]:
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
        # Each replica: pool + overflow for handlers/API, and the worker's own small pool;
        # keep the total under max_connections.
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
    producer_db, tables = await producer_database(platform)
    broker = Broker(platform.broker_url, prefix=platform.broker_prefix)
    notification_db = Database.connect(settings.resolved_database_url(), pool_size=2)
    result: dict[str, Any] = {
        "events": events,
        "replicas": replicas,
        "delivery_concurrency": concurrency,
    }
    try:
        for process in services:
            process.start()
        await asyncio.gather(*(p.wait_ready(timeout=60) for p in processes))
        await wait_consuming(f"{platform.broker_prefix}notification.events")
        await broker.start()
        await broker.wait_connected(10)
        relay = OutboxRelay(producer_db, tables, broker, poll_seconds=0.5, source="identity")
        relay_task = asyncio.create_task(relay.run())
        producer = Producer(producer_db, tables)
        try:
            cpu = cpu_seconds(services)
            burst = await producer.burst(events)
            await wait_done(notification_db, producer.count, timeout=600)
            rows = await outcomes(notification_db, burst)
            result["burst"] = phase_result(producer, burst, rows, cpu_seconds(services) - cpu)
            if rate > 0 and steady_seconds > 0:
                cpu = cpu_seconds(services)
                steady = await producer.steady(rate, steady_seconds)
                await wait_done(notification_db, producer.count, timeout=steady_seconds + 120)
                rows = await outcomes(notification_db, steady)
                result["steady"] = {
                    "rate_per_second": rate,
                    "seconds": steady_seconds,
                    **phase_result(producer, steady, rows, cpu_seconds(services) - cpu),
                }
        finally:
            relay.stop()
            await asyncio.wait_for(relay_task, 30)
    finally:
        await notification_db.dispose()
        await broker.close()
        await producer_db.dispose()
        for process in reversed(processes):
            process.stop()
    return result


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rate", type=float, default=100, help="steady phase: events/s")
    parser.add_argument("--steady-seconds", type=float, default=20, help="0: no steady phase")
    args = parser.parse_args()
    platform = PlatformSettings()
    try:
        result = asyncio.run(
            main(args.events, args.replicas, args.concurrency, args.rate, args.steady_seconds)
        )
    finally:
        asyncio.run(drop_test_databases(platform))
        delete_test_broker_entities(platform.broker_prefix)
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "notification_delivery.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(run())
