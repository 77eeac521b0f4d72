"""Payment flow benchmark, end to end through the sandbox.

Run:  .venv/bin/python bench/payment_flow.py [--orders 400] [--concurrency 16]

Starts identity (token keys), the provider sandbox and payment as uvicorn processes on
throwaway databases and broker names (removed at the end), and a subscriber queue bound to
`payment.order.paid`. Each worker, per order: creates it (applicant API), starts a payment
(WeChat and Alipay alternately), has the sandbox pay it and send the signed callback, and waits
for the subscriber to receive `payment.order.paid`.

Reports: orders created and paid per second (whole flow), and the latency from the sandbox
sending the callback to the subscriber receiving the paid event (p50/p99/max, same clock).
Results go to stdout and bench/results/payment_flow.json.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import aio_pika
import httpx

from educert_common.testing.infra import (
    configure_test_environment,
    delete_test_broker_entities,
    drop_test_databases,
)

RESULTS = Path(__file__).parent / "results"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def run(orders: int, concurrency: int, log_dir: Path) -> dict[str, object]:
    from educert_common.db import Database
    from educert_common.settings import PlatformSettings
    from educert_common.testing.processes import RunningProcess, free_port
    from identity.config import IdentitySettings
    from identity.service import issue_access_token

    settings = PlatformSettings()
    ports = {name: free_port() for name in ("identity", "payment", "sandbox")}
    payment_url, sandbox_url = (f"http://127.0.0.1:{ports[n]}" for n in ("payment", "sandbox"))
    env = {
        "EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{ports['identity']}",
        "EDUCERT_PAYMENT_URL": payment_url,
        "EDUCERT_LOG_LEVEL": "WARNING",
        "PAYMENT_DEV_KEY_DIR": str(log_dir / "keys"),
        "PAYMENT_SANDBOX_URL": sandbox_url,
        "PAYMENT_SANDBOX_PUBLIC_URL": sandbox_url,
        "PAYMENT_PUBLIC_BASE_URL": payment_url,
        "PAYMENT_CALLBACK_BASE_URL": payment_url,
        "PAYMENT_RECONCILE_DAILY": "false",
        "PAYMENT_DATABASE_POOL_SIZE": "20",
    }
    processes = [
        RunningProcess(n, app, port=ports[n], env=env, log_dir=log_dir)
        for n, app in (
            ("identity", "identity.main:create_app"),
            ("sandbox", "payment.sandbox.app:create_app"),
            ("payment", "payment.main:create_app"),
        )
    ]
    for process in processes:
        process.start()
    identity_db = Database.connect(IdentitySettings().resolved_database_url(), pool_size=2)
    received: dict[str, float] = {}
    waiters: dict[str, asyncio.Event] = {}
    connection = await aio_pika.connect_robust(settings.broker_url)
    try:
        await asyncio.gather(*(p.wait_ready(timeout=60) for p in processes))
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=500)
        exchange = await channel.declare_exchange(
            f"{settings.broker_prefix}educert.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key="payment.order.paid")

        async def on_paid(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            now = time.time()
            async with message.process():
                order_id = json.loads(message.body)["data"]["order_id"]
                received.setdefault(order_id, now)
                waiters.setdefault(order_id, asyncio.Event()).set()

        await queue.consume(on_paid)
        users = []
        async with identity_db.transaction() as session:
            for _ in range(concurrency):
                user = str(uuid.uuid4())
                token = await issue_access_token(session, subject=user, roles=["applicant"])
                users.append({"Authorization": f"Bearer {token}"})
        api = payment_url + "/api/v1/payment"
        sent: dict[str, float] = {}
        limits = httpx.Limits(max_connections=concurrency * 3)
        async with httpx.AsyncClient(timeout=30, limits=limits) as http:

            async def one(index: int, auth: dict[str, str]) -> None:
                channel_name = "wechat" if index % 2 else "alipay"
                created = await http.post(
                    f"{api}/orders",
                    json={"purpose": "photo_check", "reference_id": f"bench-{index}"},
                    headers={**auth, "Idempotency-Key": f"bench-{index}"},
                )
                order_id = created.json()["id"]
                waiters.setdefault(order_id, asyncio.Event())
                started = await http.post(
                    f"{api}/orders/{order_id}/payments",
                    json={"channel": channel_name},
                    headers=auth,
                )
                assert started.status_code == 200, started.text
                paid = await http.post(
                    f"{sandbox_url}/control/{channel_name}/trades/{uuid.UUID(order_id).hex}/pay",
                    json={},
                )
                body = paid.json()
                assert body["statuses"][0] in (200, 204), body
                sent[order_id] = body["sent_at"][0]
                await asyncio.wait_for(waiters[order_id].wait(), 30)

            async def worker(worker_index: int) -> None:
                for index in range(worker_index, orders, concurrency):
                    await one(index, users[worker_index])

            for index in range(min(20, orders)):  # warm up connections and caches
                await one(orders + index, users[0])
            sent.clear()
            received.clear()
            started_at = time.perf_counter()
            await asyncio.gather(*(worker(i) for i in range(concurrency)))
            elapsed = time.perf_counter() - started_at
        latencies = [(received[o] - sent[o]) * 1000 for o in sent if o in received]
        return {
            "orders": orders,
            "concurrency": concurrency,
            "seconds": round(elapsed, 3),
            "orders_created_and_paid_per_second": round(orders / elapsed, 1),
            "callback_to_paid_consumed_ms": {
                "p50": round(statistics.median(latencies), 2),
                "p99": round(percentile(latencies, 0.99), 2),
                "max": round(max(latencies), 2),
            },
        }
    finally:
        await connection.close()
        await identity_db.dispose()
        for process in processes:
            process.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    os.environ["EDUCERT_TEST_RUN_ID"] = "bench" + uuid.uuid4().hex[:6]
    configure_test_environment()
    os.environ["PAYMENT_OUTBOX_POLL_SECONDS"] = "1.0"
    from educert_common.cli import migrate_main
    from educert_common.settings import PlatformSettings

    log_dir = Path(f"/tmp/educert-bench-{os.environ['EDUCERT_TEST_RUN_ID']}")
    log_dir.mkdir(parents=True, exist_ok=True)
    migrate_main(["identity", "payment"])
    try:
        results = asyncio.run(run(args.orders, args.concurrency, log_dir))
    finally:
        settings = PlatformSettings()
        asyncio.run(drop_test_databases(settings))
        delete_test_broker_entities(settings.broker_prefix)
    print(json.dumps(results, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "payment_flow.json").write_text(json.dumps(results, indent=2))
    sys.exit(0)


if __name__ == "__main__":
    main()
