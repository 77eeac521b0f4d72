"""Binding benchmark: from the commit of `identity.user.realname_verified` to records bound.

Run:  make bench-records-binding
      (or .venv/bin/python bench/records_binding.py [--rate 50] [--seconds 20] [--unrelated 100000])

Migrates identity and records into throwaway databases (`educert_benchbind_*`, dropped at the
end), writes `--unrelated` records of random people (a third per kind) plus three matching
records (student status, a 2010s qualification, a degree) for each person to be verified,
starts identity and records as real processes (uvicorn, uvloop + httptools, one worker each),
then commits one `UserRealnameVerified` per transaction into identity's outbox at a steady
rate, exactly as identity's real-name flow does (same Outbox, same table): identity's relay
publishes it, records' consumer binds.

Latency of one verification, per record kind and overall (the slowest of its three records):
- `commit_to_event`: from the outbox commit returning to the arrival of records'
  `records.record.bound` on a bench queue (includes records' own outbox hop: the most
  pessimistic "bound and announced");
- `commit_to_bound_at`: to `bound_at` (clock_timestamp() inside records' UPDATE, just before
  its commit).
Target: p99 of commit_to_event < 200 ms at 50 verifications/s. Results: stdout and
bench/results/records_binding.json.
"""

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
# gateway_hop sets its own names at import: import it first, then set ours over them.
import gateway_hop

PREFIX = "educert_benchbind_"
BROKER_PREFIX = "benchbind."
os.environ.update(
    {
        "EDUCERT_DATABASE_PREFIX": PREFIX,
        "EDUCERT_BROKER_PREFIX": BROKER_PREFIX,
        "EDUCERT_ENVIRONMENT": os.environ.get("EDUCERT_ENVIRONMENT", "development"),
        "EDUCERT_LOG_LEVEL": "WARNING",
    }
)

import records_data  # noqa: E402

from educert_common.db import Database, drop_database  # noqa: E402
from educert_common.testing.infra import delete_test_broker_entities  # noqa: E402
from educert_common.testing.processes import free_port  # noqa: E402
from educert_common.testing.waiting import wait_until  # noqa: E402

RESULTS = Path(__file__).parent / "results"


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)], 1),
        "max_ms": round(ordered[-1], 1),
    }


async def run(args: argparse.Namespace, pids: dict[str, int]) -> dict[str, Any]:
    import aio_pika

    from educert_common.events.catalogue import UserRealnameVerified
    from educert_common.events.outbox import Outbox
    from educert_common.settings import PlatformSettings
    from identity.base import messaging as identity_messaging
    from identity.config import IdentitySettings
    from records.config import RecordsSettings
    from records.crypto import secrets_for

    records_settings = RecordsSettings()
    count = int(args.rate * args.seconds)
    people = records_data.holders(count + 20, secrets_for(records_settings).id_index)
    started = time.perf_counter()
    await records_data.populate(
        records_settings.resolved_database_url(),
        unrelated=args.unrelated,
        holders=people,
        bound=False,
    )
    populate_seconds = round(time.perf_counter() - started, 1)

    # Where records announces what it bound.
    platform = PlatformSettings()
    connection = await aio_pika.connect_robust(platform.broker_url)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(
        f"{platform.broker_prefix}educert.events", aio_pika.ExchangeType.TOPIC, durable=True
    )
    queue = await channel.declare_queue(
        f"{platform.broker_prefix}bench.bound", durable=False, exclusive=True
    )
    await queue.bind(exchange, routing_key="records.record.bound")
    # Identity's event as it leaves identity's relay: splits the path into its two hops.
    await queue.bind(exchange, routing_key="identity.user.realname_verified")
    arrived: dict[str, float] = {}
    published: dict[str, float] = {}

    async def keep(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with message.process():
            envelope = json.loads(message.body)
            if envelope["type"] == "records.record.bound":
                arrived[envelope["data"]["record_id"]] = time.time()
            else:
                published[envelope["data"]["user_id"]] = time.time()

    await queue.consume(keep)

    identity_db = Database.connect(IdentitySettings().resolved_database_url(), pool_size=4)
    outbox = Outbox(identity_messaging, source="identity")
    committed: dict[uuid.UUID, float] = {}

    async def verify(holder: records_data.Holder) -> None:
        event = UserRealnameVerified(
            user_id=holder.user_id,
            id_number_hash=holder.id_hash,
            real_name=holder.who.name,
            gender=holder.who.gender,  # type: ignore[arg-type]
            birth_date=holder.who.birth_date,
        )
        async with identity_db.transaction() as session:
            await outbox.add(session, event, subject=str(holder.user_id))
        committed[holder.user_id] = time.time()

    # Warm-up: a few verifications before the measured ones.
    for holder in people[count:]:
        await verify(holder)
    warm = {str(h.record_ids[t]) for h in people[count:] for t in records_data.KIND_COLUMNS}

    async def warmed_up() -> bool:
        return warm <= arrived.keys()

    await wait_until(warmed_up, timeout=60, interval=0.05, message="warm-up bound")
    committed.clear()

    interval = 1 / args.rate
    pending: set[asyncio.Task[None]] = set()
    load_before = os.getloadavg()
    cpu_before = {name: records_data.cpu_seconds(pid) for name, pid in pids.items()}
    begin = time.perf_counter()
    for index, holder in enumerate(people[:count]):
        delay = begin + index * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(verify(holder))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    offered = count / (time.perf_counter() - begin)
    expected = {str(h.record_ids[t]) for h in people[:count] for t in records_data.KIND_COLUMNS}

    async def all_arrived() -> bool:
        return expected <= arrived.keys()

    with contextlib.suppress(AssertionError):  # the missing ones are counted below
        await wait_until(all_arrived, timeout=60, interval=0.05)
    load_after = os.getloadavg()
    wall = time.perf_counter() - begin
    cpu = {
        name: {
            "cpu_seconds": round(records_data.cpu_seconds(pid) - cpu_before[name], 2),
            "share_of_one_core": round(
                (records_data.cpu_seconds(pid) - cpu_before[name]) / wall, 2
            ),
            "cpu_ms_per_verification": round(
                (records_data.cpu_seconds(pid) - cpu_before[name]) / count * 1000, 1
            ),
        }
        for name, pid in pids.items()
    }

    import asyncpg

    database = await asyncpg.connect(
        records_data.asyncpg_url(records_settings.resolved_database_url())
    )
    try:
        bound_at = {
            str(r["id"]): r["bound_at"].timestamp()
            for table in records_data.KIND_COLUMNS
            for r in await database.fetch(
                f"SELECT id, bound_at FROM {table} WHERE bound_at IS NOT NULL"  # noqa: S608
            )
        }
        wrongly_bound = await database.fetchval(
            "SELECT (SELECT count(*) FROM student_status_records WHERE owner_id IS NOT NULL)"
            " + (SELECT count(*) FROM qualification_records WHERE owner_id IS NOT NULL)"
            " + (SELECT count(*) FROM degree_records WHERE owner_id IS NOT NULL)"
        )
    finally:
        await database.close()
    await identity_db.dispose()
    await connection.close()

    to_event: list[float] = []
    to_bound: list[float] = []
    to_published = [
        (published[str(h.user_id)] - committed[h.user_id]) * 1000
        for h in people[:count]
        if str(h.user_id) in published
    ]
    per_kind: dict[str, list[float]] = {t: [] for t in records_data.KIND_COLUMNS}
    missing = 0
    for holder in people[:count]:
        commit = committed[holder.user_id]
        ids = {t: str(holder.record_ids[t]) for t in records_data.KIND_COLUMNS}
        if not all(i in arrived for i in ids.values()):
            missing += 1
            continue
        to_event.append((max(arrived[i] for i in ids.values()) - commit) * 1000)
        to_bound.append((max(bound_at[i] for i in ids.values()) - commit) * 1000)
        for table, record_id in ids.items():
            per_kind[table].append((arrived[record_id] - commit) * 1000)
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "unrelated_records": args.unrelated,
        "process_cpu_during_load": cpu,
        "matching_records": 3 * len(people),
        "populate_seconds": populate_seconds,
        "verifications": count,
        "offered_rate_per_second": round(offered, 1),
        "not_bound_within_60s": missing,
        "records_bound_total": wrongly_bound,
        "records_bound_expected": 3 * len(people),
        "commit_to_event": percentiles(to_event),
        "commit_to_bound_at": percentiles(to_bound),
        "commit_to_identity_event_published": percentiles(to_published),
        "commit_to_event_by_kind": {
            records_data.KIND_OF_TABLE[t]: percentiles(v) for t, v in per_kind.items()
        },
        "target": "commit_to_event p99 < 200 ms at 50/s",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--unrelated", type=int, default=100_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="records-binding-"))
    asyncio.run(_drop())
    subprocess.run(
        [str(Path(sys.executable).parent / "educert-migrate"), "identity", "records"],
        check=True,
        capture_output=True,
        timeout=180,
    )
    ports = {"identity": free_port(), "records": free_port()}
    urls = {
        "EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{ports['identity']}",
        "EDUCERT_RECORDS_URL": f"http://127.0.0.1:{ports['records']}",
    }
    processes: list[gateway_hop.Process] = []
    try:
        for name in ("identity", "records"):
            process = gateway_hop.Process(
                name,
                gateway_hop.uvicorn_argv(f"{name}.main:create_app", ports[name]),
                ports[name],
                {**urls, "RECORDS_STORAGE_ROOT": str(work / "storage")},
                work,
            )
            processes.append(process)
            process.wait_ready("/readyz", timeout=60)
        results = asyncio.run(run(args, {p.name: p.popen.pid for p in processes}))
    finally:
        for process in reversed(processes):
            process.stop()
        asyncio.run(_drop())
        delete_test_broker_entities(BROKER_PREFIX)
    overall = results["commit_to_event"]
    p99 = overall.get("p99_ms")
    print(
        f"binding at {results['offered_rate_per_second']}/s ({results['verifications']} "
        f"verifications x 3 records, {results['unrelated_records']} unrelated records): "
        f"commit->bound event p50 {overall.get('p50_ms')} ms, p99 {p99} ms, max "
        f"{overall.get('max_ms')} ms; commit->bound_at {results['commit_to_bound_at']}; "
        f"not bound {results['not_bound_within_60s']}; load {results['load_average_after']}"
    )
    print(f"CPU during the load: {results['process_cpu_during_load']}")
    if p99:
        print(f"p99 against the 200 ms target: {round(p99 / 200, 2)}x of the budget")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "records_binding.json").write_text(json.dumps(results, indent=2) + "\n")


async def _drop() -> None:
    from educert_common.settings import PlatformSettings

    base = PlatformSettings().postgres_url.rstrip("/")
    for service in ("identity", "records"):
        await drop_database(f"{base}/{PREFIX}{service}")


if __name__ == "__main__":
    main()
