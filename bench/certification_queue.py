"""Reviewer queue benchmark: the certification queue listing with filters over 100,000
applications, straight to certification and through the gateway.

Run:  make bench-certification-queue
      (or .venv/bin/python bench/certification_queue.py [--seconds 10] [--applications 100000])

Migrates identity and certification into throwaway databases (`educert_benchcq_*`, dropped at
the end), COPYs `--applications` applications (asyncpg) spread like a working service's:
most decided, a fifth waiting, some in review (most claimed, some by the benchmark's
reviewer), returned, resubmitted, drafts; four kinds, thirty countries, queued over the last
half year, four in five with an SLA due day. Mints a reviewer token with identity's key,
starts identity, certification and the gateway (uvicorn, uvloop + httptools, one worker
each) and, for each filter combination below, runs wrk (after a warm-up) on
GET /api/v1/certification/review/applications: one connection, direct and via the gateway
(what a reviewer waits for a page: the target, p99 < 50 ms per filter), then `--connections`
connections via the gateway (many reviewers at once: throughput, and latency under queueing).
Results: stdout and bench/results/certification_queue.json.
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
# gateway_hop sets its own names at import: import it first, then set ours over them.
import gateway_hop

PREFIX = "educert_benchcq_"
BROKER_PREFIX = "benchcq."
os.environ.update(
    {
        "EDUCERT_DATABASE_PREFIX": PREFIX,
        "EDUCERT_BROKER_PREFIX": BROKER_PREFIX,
        "EDUCERT_LOG_LEVEL": "WARNING",
    }
)

import asyncpg  # noqa: E402
import records_data  # noqa: E402

from educert_common.db import Database, drop_database  # noqa: E402
from educert_common.testing.infra import delete_test_broker_entities  # noqa: E402
from educert_common.testing.processes import free_port  # noqa: E402

RESULTS = Path(__file__).parent / "results"
TARGET_MS = 50.0
REVIEWER = "bench-reviewer"
QUEUE = "/api/v1/certification/review/applications"
STATES = [
    ("certified", 45), ("refused", 8), ("withdrawn", 3), ("returned", 4), ("in_review", 8),
    ("submitted", 20), ("resubmitted", 4), ("draft", 5), ("awaiting_payment", 3),
]  # fmt: skip
KINDS = [("foreign_degree", 80), ("domestic_qualification", 10), ("hmt_degree", 8),
         ("reconsideration", 2)]  # fmt: skip
COUNTRIES = ["GB"] * 12 + ["US"] * 10 + ["AU"] * 8 + ["CA"] * 5 + ["JP"] * 4 + ["KR"] * 3 + [
    "DE", "FR", "NZ", "SG", "MY", "RU", "NL", "IE", "IT", "ES", "SE", "CH", "DK", "BE", "FI",
    "NO", "AT", "TH", "PH", "UA", "BY", "PL", "HU", "CZ",
]  # fmt: skip
# The filter combinations measured (query strings).
FILTERS = {
    "waiting (default)": "",
    "kind": "?kind=domestic_qualification",
    "country": "?country=JP",
    "older_than_30_days": "?older_than_days=30",
    "sla_breached": "?sla_breached=true",
    "unclaimed_in_review": "?state=in_review&claimed=unclaimed",
    "mine_in_review": "?state=in_review&claimed=mine",
    "returned_by_kind": "?state=returned&kind=foreign_degree",
    "kind_country_sla": "?kind=foreign_degree&country=GB&sla_breached=true",
    "in_review_and_returned": "?state=in_review&state=returned&limit=50",
    "not_breached": "?sla_breached=false",
}
STEPS = json.dumps(
    {
        "face": {"mode": "skip"},
        "applicant": {
            "passport_surname": "ZHANG", "passport_given_names": "WEI", "name_zh": "张伟",
            "gender": "male", "birth_date": "1996-05-17", "nationality": "CN",
            "passport_number": "E12345678",
        },
        "type": {"scope": "degree", "study_mode": "on_site"},
        "degree": {
            "country": "GB", "institution_name": "University of Edinburgh",
            "title": "Master of Science", "level": "master", "major": "Data Science",
            "awarded_on": "2023-11-20", "name_on_certificate": "Wei Zhang",
        },
    },
    ensure_ascii=False,
)  # fmt: skip


def _pick(weighted: list[tuple[str, int]], rng: random.Random) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def rows(count: int, now: datetime) -> list[tuple[Any, ...]]:
    rng = random.Random(11)
    reviewers = [REVIEWER] + [f"reviewer-{n}" for n in range(19)]
    out = []
    for n in range(count):
        state, kind = _pick(STATES, rng), _pick(KINDS, rng)
        country = {"domestic_qualification": "CN", "hmt_degree": rng.choice(["HK", "MO", "TW"])}
        created = now - timedelta(seconds=rng.randrange(200 * 86400))
        queued = None
        if state not in ("draft", "awaiting_payment"):
            queued = created + timedelta(seconds=rng.randrange(3 * 86400))
        due = None
        if queued is not None and rng.random() < 0.8:
            due = queued.date() + timedelta(days=28)
        claimed_by = claimed_at = None
        if state == "in_review" and rng.random() < 0.9:
            claimed_by = reviewers[n % len(reviewers)]
            claimed_at = queued + timedelta(hours=1) if queued else None
        decided = (
            queued + timedelta(days=20) if queued and state in ("certified", "refused") else None
        )
        out.append(
            (
                uuid.uuid4(), f"RZ{created:%Y%m%d}{n:06d}", uuid.uuid4(), kind, state,
                STEPS, country.get(kind, rng.choice(COUNTRIES)), "[]", claimed_by, claimed_at,
                queued, due, queued, decided, created, created,
            )
        )  # fmt: skip
    return out


async def populate(database_url: str, count: int) -> None:
    now = datetime.now(UTC)
    connection = await asyncpg.connect(records_data.asyncpg_url(database_url))
    try:
        await connection.copy_records_to_table(
            "applications",
            records=rows(count, now),
            columns=[
                "id", "number", "user_id", "kind", "state", "steps", "country", "findings",
                "claimed_by", "claimed_at", "queued_at", "due_on", "submitted_at",
                "decided_at", "created_at", "updated_at",
            ],
        )  # fmt: skip
        await connection.execute("ANALYZE applications")
    finally:
        await connection.close()


async def mint_token() -> str:
    from identity.config import IdentitySettings
    from identity.service import issue_access_token

    database = Database.connect(IdentitySettings().resolved_database_url(), pool_size=1)
    try:
        async with database.transaction() as session:
            return await issue_access_token(
                session, subject=REVIEWER, roles=["reviewer"], ttl=timedelta(hours=1)
            )
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--applications", type=int, default=100_000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed (apt-get install -y wrk)")
    work = Path(tempfile.mkdtemp(prefix="certification-queue-"))
    asyncio.run(_drop())
    subprocess.run(
        [str(Path(sys.executable).parent / "educert-migrate"), "identity", "certification"],
        check=True,
        capture_output=True,
        timeout=180,
    )
    ports = {name: free_port() for name in ("identity", "certification", "gateway")}
    urls = {
        "EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{ports['identity']}",
        "EDUCERT_CERTIFICATION_URL": f"http://127.0.0.1:{ports['certification']}",
    }
    processes: list[gateway_hop.Process] = []
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "applications": args.applications,
        "connections": args.connections,
        "seconds": args.seconds,
        "target": f"p99 < {TARGET_MS:g} ms per filter",
        "filters": {},
    }
    try:
        from certification.config import CertificationSettings

        database_url = CertificationSettings().resolved_database_url()
        seeding = datetime.now(UTC)
        asyncio.run(populate(database_url, args.applications))
        results["seed_seconds"] = round((datetime.now(UTC) - seeding).total_seconds(), 1)
        token = asyncio.run(mint_token())
        env = {
            "CERTIFICATION_STORAGE_ROOT": str(work / "storage"),
            "CERTIFICATION_DATABASE_POOL_SIZE": "10",
            "GATEWAY_RATE_LIMIT_PER_SECOND": "100000",
            "GATEWAY_RATE_LIMIT_BURST": "100000",
        }
        for name, app in (
            ("identity", "identity.main:create_app"),
            ("certification", "certification.main:create_app"),
            ("gateway", "educert_gateway.main:create_app"),
        ):
            process = gateway_hop.Process(
                name, gateway_hop.uvicorn_argv(app, ports[name]), ports[name], {**urls, **env}, work
            )
            processes.append(process)
            process.wait_ready("/readyz", timeout=60)
        certification, gateway = processes[1], processes[2]
        results["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
        for label, query in FILTERS.items():
            figures: dict[str, Any] = {"query": query}
            for target, process, connections in (
                ("direct", certification, 1),
                ("gateway", gateway, 1),
                (f"gateway_c{args.connections}", gateway, args.connections),
            ):
                url = process.url + QUEUE + query
                threads = min(2, connections)
                gateway_hop.wrk(
                    url, token, threads=threads, connections=connections, seconds=args.warmup
                )
                measured = gateway_hop.wrk(
                    url, token, threads=threads, connections=connections, seconds=args.seconds
                )
                measured["ratio_to_target"] = round(measured["p99_ms"] / TARGET_MS, 2)
                figures[target] = measured
            results["filters"][label] = figures
        results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        for process in reversed(processes):
            process.stop()
        asyncio.run(_drop())
        delete_test_broker_entities(BROKER_PREFIX)
    print(
        f"{args.applications} applications (seeded in {results['seed_seconds']} s), "
        f"{args.seconds:g} s per run; target p99 < {TARGET_MS:g} ms at one connection"
    )
    for label, figures in results["filters"].items():
        for target in ("direct", "gateway", f"gateway_c{args.connections}"):
            f = figures[target]
            print(
                f"{label:24} {target:11}: p50 {f['p50_ms']:.2f} ms, p99 {f['p99_ms']:.2f} ms "
                f"({f['ratio_to_target']}x of {TARGET_MS:g} ms), {f['rps']:.0f} req/s, "
                f"non-2xx {f['non_2xx']}"
            )
    print(
        f"load average before {results['load_average_before']}, "
        f"after {results['load_average_after']}"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "certification_queue.json").write_text(json.dumps(results, indent=2) + "\n")


async def _drop() -> None:
    from educert_common.settings import PlatformSettings

    base = PlatformSettings().postgres_url.rstrip("/")
    for service in ("identity", "certification"):
        await drop_database(f"{base}/{PREFIX}{service}")


if __name__ == "__main__":
    main()
