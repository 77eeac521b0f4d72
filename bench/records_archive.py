"""Archive benchmark: a student's archive (学信档案) read through the gateway, 32 connections.

Run:  make bench-records-archive
      (or .venv/bin/python bench/records_archive.py [--seconds 10] [--unrelated 100000])

Migrates identity and records into throwaway databases (`educert_bencharch_*`, dropped at the
end), writes `--unrelated` records of random people plus three bound records (student status
with its status history, qualification, degree; one version each, ID numbers really
encrypted) for each of 200 students, mints each student an access token with identity's
signing key, and starts identity, records and the gateway (uvicorn, uvloop + httptools, one
worker each). wrk (2 threads x 32 connections, after a warm-up) then reads, rotating over the
students:
- list: GET /api/v1/records/me/records (the three kinds, one query);
- detail: GET /api/v1/records/me/qualifications/{id} (record, institution, versions);
- whoami: GET /api/v1/records/whoami (no database), the ceiling of the same processes now;
each through the gateway and, for comparison, straight to records.
Target: through the gateway >= 1,500 req/s with p99 < 50 ms. Results: stdout and
bench/results/records_archive.json.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
# gateway_hop sets its own names at import: import it first, then set ours over them.
import gateway_hop

PREFIX = "educert_bencharch_"
BROKER_PREFIX = "bencharch."
os.environ.update(
    {
        "EDUCERT_DATABASE_PREFIX": PREFIX,
        "EDUCERT_BROKER_PREFIX": BROKER_PREFIX,
        "EDUCERT_LOG_LEVEL": "WARNING",
    }
)

import records_data  # noqa: E402

from educert_common.db import Database, drop_database  # noqa: E402
from educert_common.testing.infra import delete_test_broker_entities  # noqa: E402
from educert_common.testing.processes import free_port  # noqa: E402

RESULTS = Path(__file__).parent / "results"
STUDENTS = 200


async def prepare(unrelated: int) -> list[tuple[str, str, str]]:
    """Write the data; return (token, list path, detail path) per student."""
    from identity.config import IdentitySettings
    from identity.service import issue_access_token
    from records.config import RecordsSettings
    from records.crypto import secrets_for

    settings = RecordsSettings()
    secrets = secrets_for(settings)
    students = records_data.holders(STUDENTS, secrets.id_index)
    await records_data.populate(
        settings.resolved_database_url(),
        unrelated=unrelated,
        holders=students,
        bound=True,
        seal=secrets.seal_id_number,
    )
    database = Database.connect(IdentitySettings().resolved_database_url(), pool_size=1)
    plan = []
    try:
        async with database.transaction() as session:
            for student in students:
                token = await issue_access_token(
                    session,
                    subject=str(student.user_id),
                    roles=["applicant"],
                    ttl=timedelta(hours=1),
                )
                detail = student.record_ids["qualification_records"]
                plan.append(
                    (
                        token,
                        "/api/v1/records/me/records",
                        f"/api/v1/records/me/qualifications/{detail}",
                    )
                )
    finally:
        await database.dispose()
    return plan


def lua_script(plan: list[tuple[str, str, str]], which: int, work: Path) -> Path:
    """A wrk script rotating over the students' tokens (and their own record's path)."""
    tokens = ",".join(f'"{p[0]}"' for p in plan)
    paths = ",".join(f'"{p[which]}"' for p in plan)
    script = work / f"archive_{which}_{abs(hash(paths)) % 10**6}.lua"
    script.write_text(
        f"local tokens = {{{tokens}}}\n"
        f"local paths = {{{paths}}}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        "  local k = (i % #tokens) + 1\n"
        '  return wrk.format("GET", paths[k], {["Authorization"] = "Bearer " .. tokens[k]})\n'
        "end\n"
    )
    return script


def wrk(base: str, script: Path, *, connections: int, seconds: float) -> dict[str, Any]:
    argv = [
        "wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "5s",
        "-s", str(script), base,
    ]  # fmt: skip
    output = subprocess.run(
        argv, capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latency = dict(re.findall(r"^\s+(50|99)(?:\.000)?%\s+(\S+)\s*$", output, re.MULTILINE))
    if "99" not in latency:
        raise RuntimeError(f"unreadable wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "rps": rps,
        "p50_ms": gateway_hop._ms(latency["50"]),
        "p99_ms": gateway_hop._ms(latency["99"]),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--unrelated", type=int, default=100_000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed (apt-get install -y wrk)")
    work = Path(tempfile.mkdtemp(prefix="records-archive-"))
    asyncio.run(_drop())
    subprocess.run(
        [str(Path(sys.executable).parent / "educert-migrate"), "identity", "records"],
        check=True,
        capture_output=True,
        timeout=180,
    )
    ports = {name: free_port() for name in ("identity", "records", "gateway")}
    urls = {
        "EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{ports['identity']}",
        "EDUCERT_RECORDS_URL": f"http://127.0.0.1:{ports['records']}",
    }
    processes: list[gateway_hop.Process] = []
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "unrelated_records": args.unrelated,
        "students": STUDENTS,
        "target": "through the gateway: >= 1500 req/s, p99 < 50 ms at 32 connections",
    }
    try:
        plan = asyncio.run(prepare(args.unrelated))
        env = {
            "RECORDS_STORAGE_ROOT": str(work / "storage"),
            "GATEWAY_RATE_LIMIT_PER_SECOND": "100000",
            "GATEWAY_RATE_LIMIT_BURST": "100000",
        }
        for name, app in (
            ("identity", "identity.main:create_app"),
            ("records", "records.main:create_app"),
            ("gateway", "educert_gateway.main:create_app"),
        ):
            process = gateway_hop.Process(
                name, gateway_hop.uvicorn_argv(app, ports[name]), ports[name], {**urls, **env}, work
            )
            processes.append(process)
            process.wait_ready("/readyz", timeout=60)
        records, gateway = processes[1], processes[2]
        results["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
        # The same processes' trivial authenticated route (no database): what the machine
        # allows a records worker and the gateway hop at this moment.
        baseline = [(token, "/api/v1/records/whoami", "") for token, _, _ in plan]
        for which, label, rows in ((1, "whoami", baseline), (1, "list", plan), (2, "detail", plan)):
            script = lua_script(rows, which, work)
            for target, process in (("gateway", gateway), ("direct", records)):
                wrk(process.url, script, connections=32, seconds=args.warmup)
                before = {p.name: records_data.cpu_seconds(p.popen.pid) for p in processes}
                figures = wrk(process.url, script, connections=32, seconds=args.seconds)
                # Share of one core each process used while wrk ran: which one is saturated.
                figures["cpu_share_of_one_core"] = {
                    p.name: round(
                        (records_data.cpu_seconds(p.popen.pid) - before[p.name]) / args.seconds,
                        2,
                    )
                    for p in processes
                }
                results[f"{label}_{target}"] = figures
        results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        for process in reversed(processes):
            process.stop()
        asyncio.run(_drop())
        delete_test_broker_entities(BROKER_PREFIX)
    for key in (
        "whoami_gateway",
        "whoami_direct",
        "list_gateway",
        "list_direct",
        "detail_gateway",
        "detail_direct",
    ):
        figures = results[key]
        ratio = round(figures["rps"] / 1500, 2)
        print(
            f"{key}: {figures['rps']:.0f} req/s ({ratio}x of 1,500), p50 {figures['p50_ms']} ms, "
            f"p99 {figures['p99_ms']} ms, non-2xx {figures['non_2xx']}, "
            f"CPU (cores) {figures['cpu_share_of_one_core']}"
        )
    print(
        f"load average before {results['load_average_before']}, "
        f"after {results['load_average_after']}"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "records_archive.json").write_text(json.dumps(results, indent=2) + "\n")


async def _drop() -> None:
    from educert_common.settings import PlatformSettings

    base = PlatformSettings().postgres_url.rstrip("/")
    for service in ("identity", "records"):
        await drop_database(f"{base}/{PREFIX}{service}")


if __name__ == "__main__":
    main()
