"""Report verification benchmark: public verification by code through the gateway at 32
connections, and partners' bulk verification of 1,000 codes, each against limits measured in
the same run.

Run:  make bench-reports-verify
      (or .venv/bin/python bench/reports_verify.py [--seconds 10] [--unrelated 20000]
       [--rotated 300] [--bulk-rounds 10])

Migrates identity and records into throwaway databases (`educert_benchrep_*`, dropped at the
end), writes `--unrelated` issued qualification reports (85% valid, the rest expired, closed
or revoked; real codes, random status-list indexes, the facts an issue snapshots) and
`--rotated` valid ones, and starts identity, records and the gateway (uvicorn, uvloop +
httptools, one worker each; the gateway's rate limit and records' per-address miss budget
set out of the way, development signing keys in a temporary directory). Then:
- verify: wrk (2 threads x 32 connections, after a warm-up) GETs
  /api/v1/records/reports/verify/{code}, rotating over the `--rotated` codes (as printed,
  with hyphens), through the gateway and straight to records. Every look also checks the
  address's miss budget and writes a row to the holder's verification log (required).
- limits of the same run: (a) a raw asyncpg lookup of a report by code on one connection,
  looped for `--seconds` (what one connection of PostgreSQL answers); (b) records' whoami
  (no database) through the gateway and direct, the ceiling of the same processes now; and,
  for where the time goes, (c) the route's SQL raw on one connection (budget count, report
  with institution, log insert, commit).
- bulk: POST /api/v1/records/reports/verifications with 1,000 distinct codes (all states)
  and a partner token, `--bulk-rounds` times through the gateway and direct (median, max);
  the limit is the same lookup and log insert raw on one connection.
Targets: verify through the gateway >= 1,500 req/s with p99 < 50 ms; bulk of 1,000 < 1 s.
Results: stdout and bench/results/reports_verify.json.
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
# gateway_hop and records_archive set their own names at import: import them first, then set
# ours over them.
import gateway_hop
import records_archive

PREFIX = "educert_benchrep_"
BROKER_PREFIX = "benchrep."
os.environ.update(
    {
        "EDUCERT_DATABASE_PREFIX": PREFIX,
        "EDUCERT_BROKER_PREFIX": BROKER_PREFIX,
        "EDUCERT_LOG_LEVEL": "WARNING",
    }
)
# The settings refuse to start without saying which environment this is.
os.environ.setdefault("EDUCERT_ENVIRONMENT", "test")

import records_data  # noqa: E402
import reports_data  # noqa: E402

from educert_common.db import Database, drop_database  # noqa: E402
from educert_common.testing.infra import delete_test_broker_entities  # noqa: E402
from educert_common.testing.processes import free_port  # noqa: E402
from educert_common.verification.codes import display_code  # noqa: E402

RESULTS = Path(__file__).parent / "results"
VERIFY = "/api/v1/records/reports/verify/"
BULK = "/api/v1/records/reports/verifications"
BULK_CODES = 1000
TARGET_RPS, TARGET_P99_MS, TARGET_BULK_MS = 1500, 50.0, 1000.0
LOOKUP = "SELECT * FROM reports WHERE code = $1"
# The route's statements, as SQLAlchemy sends them (the budget, the report with its issuer
# and that one's successor, the log row).
BUDGET = (
    "SELECT count(*), min(created_at) FROM rate_events "
    "WHERE kind = $1 AND key = $2 AND created_at > $3"
)
WITH_ISSUER = (
    "SELECT r.id AS report_id, r.*, i.*, s.* FROM reports r "
    "JOIN institutions i ON i.id = r.institution_id "
    "LEFT JOIN institutions s ON s.id = i.successor_id WHERE r.code = ANY($1::varchar[])"
)
LOG = (
    "INSERT INTO report_verifications (id, report_id, verified_at, channel, partner, "
    "client_masked, state) VALUES ($1, $2, $3, $4, $5, $6, $7)"
)


async def prepare(unrelated: int, rotated: int) -> tuple[reports_data.WrittenReports, str, str]:
    """Write the reports; return them, an applicant's token (whoami) and a partner's."""
    from identity.config import IdentitySettings
    from identity.service import issue_access_token
    from records.config import RecordsSettings

    dsn = records_data.asyncpg_url(RecordsSettings().resolved_database_url())
    written = await reports_data.populate(
        dsn, unrelated=unrelated, rotated=rotated, now=datetime.now(UTC)
    )
    database = Database.connect(IdentitySettings().resolved_database_url(), pool_size=1)
    try:
        async with database.transaction() as session:
            applicant = await issue_access_token(
                session, subject=str(uuid.uuid4()), roles=["applicant"], ttl=timedelta(hours=1)
            )
            partner = await issue_access_token(
                session,
                subject="partner:bench",
                roles=["partner"],
                institution=reports_data.INSTITUTION,
                scopes=["reports:verify"],
                ttl=timedelta(hours=1),
            )
    finally:
        await database.dispose()
    return written, applicant, partner


def lua_script(paths: list[str], work: Path, name: str, token: str | None = None) -> Path:
    """A wrk script rotating over `paths` (with a bearer token when given)."""
    listed = ",".join(f'"{path}"' for path in paths)
    headers = f'{{["Authorization"] = "Bearer {token}"}}' if token else "{}"
    script = work / f"{name}.lua"
    script.write_text(
        f"local paths = {{{listed}}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        f'  return wrk.format("GET", paths[(i % #paths) + 1], {headers})\n'
        "end\n"
    )
    return script


async def _loop(seconds: float, work: Callable[[int], Awaitable[object]]) -> dict[str, float]:
    """Call `work(i)` back to back for `seconds`; operations per second and mean ms."""
    done, started = 0, time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        await work(done)
        done += 1
    elapsed = time.perf_counter() - started
    return {"ops_per_s": round(done / elapsed, 1), "mean_ms": round(elapsed / done * 1000, 3)}


async def raw_limits(codes: list[str], bulk_codes: list[str], seconds: float, rounds: int) -> Any:
    """The database's own answers on one connection: a report by code; the route's SQL for
    one look; the bulk lookup and log insert of 1,000 codes."""
    import asyncpg

    from records.config import RecordsSettings

    connection = await asyncpg.connect(
        records_data.asyncpg_url(RecordsSettings().resolved_database_url())
    )
    try:
        lookup = await connection.prepare(LOOKUP)
        by_code = await _loop(seconds, lambda i: lookup.fetchrow(codes[i % len(codes)]))
        budget = await connection.prepare(BUDGET)
        with_issuer = await connection.prepare(WITH_ISSUER)
        log = await connection.prepare(LOG)

        async def route_sql(i: int) -> None:
            now = datetime.now(UTC)
            async with connection.transaction():
                await budget.fetchrow("report_code_miss", "127.0.0.1", now - timedelta(hours=1))
                row = await with_issuer.fetchrow([codes[i % len(codes)]])
                await log.fetch(
                    uuid.uuid4(), row["report_id"], now, "api", None, "127.0.0.*", "valid"
                )

        route = await _loop(seconds, route_sql)
        bulk = []
        for _ in range(rounds):
            started = time.perf_counter()
            now = datetime.now(UTC)
            async with connection.transaction():
                rows = await with_issuer.fetch(bulk_codes)
                await log.executemany(
                    [
                        (uuid.uuid4(), r["report_id"], now, "bulk", "bench", "127.0.0.*", "valid")
                        for r in rows
                    ]
                )
            bulk.append((time.perf_counter() - started) * 1000)
    finally:
        await connection.close()
    return by_code, route, _spread(bulk)


def _spread(samples_ms: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(samples_ms), 1),
        "max_ms": round(max(samples_ms), 1),
        "rounds": len(samples_ms),
    }


def bulk_rounds(base: str, token: str, codes: list[str], rounds: int) -> dict[str, float]:
    """POST the 1,000 codes `rounds` times (after one warm-up); check every answer came."""
    import httpx

    samples = []
    body = {"codes": [display_code(code) for code in codes]}  # as printed on the reports
    with httpx.Client(timeout=30) as client:
        for round_ in range(rounds + 1):
            started = time.perf_counter()
            response = client.post(
                base + BULK, json=body, headers={"Authorization": f"Bearer {token}"}
            )
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"bulk answered {response.status_code}: {response.text[:500]}")
            results = json.loads(response.json()["receipt"])["results"]
            if len(results) != len(codes) or results[0]["state"] == "unknown":
                raise RuntimeError(f"bulk answered {len(results)} results, first {results[0]}")
            if round_:
                samples.append(elapsed)
    return _spread(samples)


def check(url: str, expect: str) -> None:
    """Fail early (before any load) unless `url` answers 200 with `expect` in its body."""
    import httpx

    response = httpx.get(url, timeout=10)
    if response.status_code != 200 or expect not in response.text:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--unrelated", type=int, default=20_000)
    parser.add_argument("--rotated", type=int, default=300)
    parser.add_argument("--bulk-rounds", type=int, default=10)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed (apt-get install -y wrk)")
    if args.unrelated < BULK_CODES:
        sys.exit(f"--unrelated must be at least {BULK_CODES} (the bulk request's codes)")
    work = Path(tempfile.mkdtemp(prefix="reports-verify-"))
    asyncio.run(_drop())
    subprocess.run(
        [str(Path(sys.executable).parent / "educert-migrate"), "identity", "records"],
        check=True,
        capture_output=True,
        timeout=180,
    )
    ports = {name: free_port() for name in ("identity", "records", "gateway")}
    env = {
        "EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{ports['identity']}",
        "EDUCERT_RECORDS_URL": f"http://127.0.0.1:{ports['records']}",
        "EDUCERT_SIGNING_DEV_DIR": str(work / "signing"),
        "RECORDS_STORAGE_ROOT": str(work / "storage"),
        "RECORDS_REPORT_MISSES_PER_ADDRESS_PER_HOUR": "1000000",
        "GATEWAY_RATE_LIMIT_PER_SECOND": "1000000",
        "GATEWAY_RATE_LIMIT_BURST": "1000000",
    }
    processes: list[gateway_hop.Process] = []
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "unrelated_reports": args.unrelated,
        "rotated_reports": args.rotated,
        "seconds": args.seconds,
        "target": (
            f"verify through the gateway: >= {TARGET_RPS} req/s, p99 < {TARGET_P99_MS:g} ms at "
            f"32 connections; bulk of {BULK_CODES} codes < {TARGET_BULK_MS:g} ms"
        ),
    }
    try:
        written, applicant, partner = asyncio.run(prepare(args.unrelated, args.rotated))
        bulk_codes = random_codes(written.everything, BULK_CODES)
        for name, app in (
            ("identity", "identity.main:create_app"),
            ("records", "records.main:create_app"),
            ("gateway", "educert_gateway.main:create_app"),
        ):
            process = gateway_hop.Process(
                name, gateway_hop.uvicorn_argv(app, ports[name]), ports[name], env, work
            )
            processes.append(process)
            process.wait_ready("/readyz", timeout=60)
        records, gateway = processes[1], processes[2]
        check(gateway.url + VERIFY + display_code(written.rotated[0]), '"valid"')
        results["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
        scripts = {
            "verify": lua_script(
                [VERIFY + display_code(code) for code in written.rotated], work, "verify"
            ),
            "whoami": lua_script(["/api/v1/records/whoami"], work, "whoami", applicant),
        }
        for label, script in scripts.items():
            for target, process in (("gateway", gateway), ("direct", records)):
                records_archive.wrk(process.url, script, connections=32, seconds=args.warmup)
                before = {p.name: records_data.cpu_seconds(p.popen.pid) for p in processes}
                figures = records_archive.wrk(
                    process.url, script, connections=32, seconds=args.seconds
                )
                # Share of one core each process used while wrk ran: which one is saturated.
                figures["cpu_share_of_one_core"] = {
                    p.name: round(
                        (records_data.cpu_seconds(p.popen.pid) - before[p.name]) / args.seconds,
                        2,
                    )
                    for p in processes
                }
                results[f"{label}_{target}"] = figures
        for target, process in (("gateway", gateway), ("direct", records)):
            results[f"bulk_{target}"] = bulk_rounds(
                process.url, partner, bulk_codes, args.bulk_rounds
            )
        by_code, route_sql, bulk_sql = asyncio.run(
            raw_limits(written.rotated, bulk_codes, args.seconds, args.bulk_rounds)
        )
        results["raw_lookup_by_code_one_connection"] = by_code
        results["raw_route_sql_one_connection"] = route_sql
        results["raw_bulk_sql_one_connection"] = bulk_sql
        results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        for process in reversed(processes):
            process.stop()
        asyncio.run(_drop())
        delete_test_broker_entities(BROKER_PREFIX)
        shutil.rmtree(work, ignore_errors=True)
    results["ratios"] = ratios(results)
    report(results)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "reports_verify.json").write_text(json.dumps(results, indent=2) + "\n")


def random_codes(codes: list[str], count: int) -> list[str]:
    """`count` distinct codes of the written reports (all states), for the bulk request."""
    return reports_data.RNG.sample(codes, count)


def ratios(results: dict[str, Any]) -> dict[str, float]:
    """Each figure against its target and against the limits measured in this run."""
    verify, whoami = results["verify_gateway"], results["whoami_gateway"]
    lookup = results["raw_lookup_by_code_one_connection"]["ops_per_s"]
    route_sql = results["raw_route_sql_one_connection"]["ops_per_s"]
    bulk, bulk_sql = results["bulk_gateway"], results["raw_bulk_sql_one_connection"]
    return {
        "verify_gateway_rps_over_target": round(verify["rps"] / TARGET_RPS, 2),
        "verify_gateway_p99_over_target": round(verify["p99_ms"] / TARGET_P99_MS, 2),
        "verify_gateway_rps_over_raw_lookup_one_connection": round(verify["rps"] / lookup, 2),
        "verify_gateway_rps_over_raw_route_sql_one_connection": round(verify["rps"] / route_sql, 2),
        "verify_gateway_rps_over_whoami_gateway": round(verify["rps"] / whoami["rps"], 2),
        "verify_direct_rps_over_whoami_direct": round(
            results["verify_direct"]["rps"] / results["whoami_direct"]["rps"], 2
        ),
        "verify_direct_rps_over_raw_lookup_one_connection": round(
            results["verify_direct"]["rps"] / lookup, 2
        ),
        "bulk_gateway_median_over_target": round(bulk["median_ms"] / TARGET_BULK_MS, 2),
        "bulk_gateway_median_over_raw_sql": round(bulk["median_ms"] / bulk_sql["median_ms"], 2),
        "bulk_direct_median_over_raw_sql": round(
            results["bulk_direct"]["median_ms"] / bulk_sql["median_ms"], 2
        ),
    }


def report(results: dict[str, Any]) -> None:
    for key in ("verify_gateway", "verify_direct", "whoami_gateway", "whoami_direct"):
        f = results[key]
        print(
            f"{key}: {f['rps']:.0f} req/s, p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, "
            f"non-2xx {f['non_2xx']}, CPU (cores) {f['cpu_share_of_one_core']}"
        )
    for key in ("raw_lookup_by_code_one_connection", "raw_route_sql_one_connection"):
        f = results[key]
        print(f"{key}: {f['ops_per_s']:.0f}/s ({f['mean_ms']} ms each)")
    for key in ("bulk_gateway", "bulk_direct", "raw_bulk_sql_one_connection"):
        f = results[key]
        print(f"{key}: {BULK_CODES} codes, median {f['median_ms']} ms, max {f['max_ms']} ms")
    r = results["ratios"]
    print(
        f"verify through the gateway: {r['verify_gateway_rps_over_target']}x the "
        f"{TARGET_RPS} req/s target, p99 {r['verify_gateway_p99_over_target']}x the "
        f"{TARGET_P99_MS:g} ms limit; {r['verify_gateway_rps_over_raw_lookup_one_connection']}x "
        f"a raw lookup by code on one connection, "
        f"{r['verify_gateway_rps_over_raw_route_sql_one_connection']}x the route's SQL raw on "
        f"one connection, {r['verify_gateway_rps_over_whoami_gateway']}x whoami through the "
        f"gateway (direct: {r['verify_direct_rps_over_whoami_direct']}x whoami direct, "
        f"{r['verify_direct_rps_over_raw_lookup_one_connection']}x the raw lookup)"
    )
    print(
        f"bulk of {BULK_CODES} through the gateway: median {r['bulk_gateway_median_over_target']}x "
        f"the {TARGET_BULK_MS:g} ms limit, {r['bulk_gateway_median_over_raw_sql']}x its SQL raw "
        f"on one connection (direct: {r['bulk_direct_median_over_raw_sql']}x)"
    )
    print(
        f"load average before {results['load_average_before']}, "
        f"after {results['load_average_after']}"
    )


async def _drop() -> None:
    from educert_common.settings import PlatformSettings

    base = PlatformSettings().postgres_url.rstrip("/")
    for service in ("identity", "records"):
        await drop_database(f"{base}/{PREFIX}{service}")


if __name__ == "__main__":
    main()
