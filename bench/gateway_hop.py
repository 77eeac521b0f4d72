"""Gateway hop benchmark: what forwarding through the gateway costs, against yardsticks.

Run:  make bench-gateway   (or .venv/bin/python bench/gateway_hop.py [--seconds 10])

Starts identity (JWKS) and records on a throwaway database prefix (`educert_bench_`, dropped at
the end), then loads `GET /api/v1/records/whoami` with a valid bearer token through:
  direct          records itself
  minimal-aiohttp bench/minimal_proxy.py (forwarding only, one aiohttp.ClientSession)
  minimal-httpx   the same with a default httpx.AsyncClient (why the gateway uses aiohttp)
  gateway         the real gateway (verification, limits, headers, metrics)
  nginx           nginx with upstream keepalive (if installed)
Every Python process is uvicorn with uvloop + httptools, one worker. wrk runs 2 threads x 32
connections for throughput and 1 x 1 for latency (p50/p99). Also measures token verification
in-process: a cache hit against a first-time RSA verify. All traffic stays on 127.0.0.1.
Results go to stdout and bench/results/gateway_hop.json.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"
PREFIX = "educert_bench_"
PATH = "/api/v1/records/whoami"
os.environ.update(
    {
        "EDUCERT_ENVIRONMENT": "test",
        "EDUCERT_DATABASE_PREFIX": PREFIX,
        "EDUCERT_BROKER_PREFIX": "bench.",
        "EDUCERT_LOG_LEVEL": "WARNING",
    }
)

from educert_common.db import Database, drop_database  # noqa: E402
from educert_common.testing.infra import delete_test_broker_entities  # noqa: E402
from educert_common.testing.processes import free_port  # noqa: E402


class Process:
    def __init__(self, name: str, argv: list[str], port: int, env: dict[str, str], log_dir: Path):
        self.name, self.port = name, port
        self.log = log_dir / f"{name}.log"
        self.popen = subprocess.Popen(
            argv,
            env={**os.environ, **env},
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str, timeout: float = 30.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + path, timeout=1).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not ready:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()


def uvicorn_argv(app: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--loop", "uvloop", "--http", "httptools", "--no-access-log",
        "--log-level", "warning",
    ]  # fmt: skip


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text.strip())
    if not match:
        raise ValueError(f"unreadable latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, token: str, *, threads: int, connections: int, seconds: float) -> dict[str, Any]:
    argv = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency",
        "--timeout", "5s", "-H", f"Authorization: Bearer {token}", url,
    ]  # fmt: skip
    output = subprocess.run(
        argv, capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.MULTILINE))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    return {
        "rps": rps,
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


async def mint_token() -> str:
    from datetime import timedelta

    from identity.config import IdentitySettings
    from identity.service import issue_access_token

    database = Database.connect(IdentitySettings().resolved_database_url(), pool_size=1)
    try:
        async with database.transaction() as session:
            return await issue_access_token(
                session, subject="bench-user", roles=["applicant"], ttl=timedelta(hours=1)
            )
    finally:
        await database.dispose()


async def verification_cost(jwks_url: str, token: str, calls: int) -> dict[str, float]:
    """Microseconds per verify: a cache hit, and a first-time verify (signature + claims)."""
    from educert_common.auth import TokenVerifier
    from educert_common.settings import PlatformSettings

    settings = PlatformSettings()
    verifier = TokenVerifier(
        jwks_url=jwks_url, issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    try:
        await verifier.verify(token)
        started = time.perf_counter()
        for _ in range(calls):
            await verifier.verify(token)
        hit = (time.perf_counter() - started) / calls * 1e6
        key = next(iter(verifier._keys.values()))
        rounds = max(1, calls // 50)
        started = time.perf_counter()
        for _ in range(rounds):
            verifier.verify_with_key(token, key)
        miss = (time.perf_counter() - started) / rounds * 1e6
    finally:
        await verifier.aclose()
    return {"cache_hit_us": round(hit, 2), "first_time_us": round(miss, 1)}


def start_nginx(records_port: int, work: Path) -> Process | None:
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        print("nginx not installed; skipping (apt-get install -y nginx-light)", file=sys.stderr)
        return None
    port = free_port()
    prefix = work / "nginx"
    prefix.mkdir()
    config = (Path(__file__).parent / "nginx.conf.template").read_text()
    for name, value in {"prefix": str(prefix), "port": port, "records_port": records_port}.items():
        config = config.replace("{{" + name + "}}", str(value))
    (prefix / "nginx.conf").write_text(config)
    argv = [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"]
    return Process("nginx", argv, port, {}, work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed (apt-get install -y wrk)")

    work = Path(tempfile.mkdtemp(prefix="gateway-hop-"))
    subprocess.run(
        [str(Path(sys.executable).parent / "educert-migrate"), "records", "identity"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    ports = {name: free_port() for name in ("identity", "records", "gateway", "min_a", "min_h")}
    urls = {
        "EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{ports['identity']}",
        "EDUCERT_RECORDS_URL": f"http://127.0.0.1:{ports['records']}",
    }
    processes: list[Process] = []
    try:

        def start(name: str, argv: list[str], port: int, env: dict[str, str]) -> Process:
            process = Process(name, argv, port, {**urls, **env}, work)
            processes.append(process)
            return process

        identity = start(
            "identity",
            uvicorn_argv("identity.main:create_app", ports["identity"]),
            ports["identity"],
            {},
        )
        records = start(
            "records",
            uvicorn_argv("records.main:create_app", ports["records"]),
            ports["records"],
            {},
        )
        identity.wait_ready("/readyz")
        records.wait_ready("/readyz")
        minimal = sys.executable, str(Path(__file__).parent / "minimal_proxy.py")
        targets: dict[str, Process] = {"direct": records}
        targets["minimal-aiohttp"] = start(
            "minimal-aiohttp",
            [*minimal, "--port", str(ports["min_a"]), "--upstream", records.url],
            ports["min_a"],
            {},
        )
        targets["minimal-httpx"] = start(
            "minimal-httpx",
            [
                *minimal,
                "--port",
                str(ports["min_h"]),
                "--upstream",
                records.url,
                "--client",
                "httpx",
            ],
            ports["min_h"],
            {},
        )
        targets["gateway"] = start(
            "gateway",
            uvicorn_argv("educert_gateway.main:create_app", ports["gateway"]),
            ports["gateway"],
            {"GATEWAY_RATE_LIMIT_PER_SECOND": "1000000", "GATEWAY_RATE_LIMIT_BURST": "1000000"},
        )
        nginx = start_nginx(ports["records"], work)
        if nginx is not None:
            processes.append(nginx)
            targets["nginx"] = nginx
        for process in targets.values():
            process.wait_ready("/api/v1/records/about")
        token = asyncio.run(mint_token())

        results: dict[str, Any] = {"targets": {}}
        for name, process in targets.items():
            url = process.url + PATH
            check = subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                 f"Authorization: Bearer {token}", url],
                capture_output=True, text=True, timeout=10, check=False,
            ).stdout  # fmt: skip
            if check != "200":
                raise RuntimeError(f"{name}: {url} answered {check}")
            wrk(url, token, threads=2, connections=32, seconds=args.warmup)
            busy = wrk(url, token, threads=2, connections=32, seconds=args.seconds)
            single = wrk(url, token, threads=1, connections=1, seconds=args.seconds)
            results["targets"][name] = {"c32": busy, "c1": single}
            print(
                f"{name:16} c32 {busy['rps']:9.0f} req/s  p50 {busy['p50_ms']:6.2f} ms  "
                f"p99 {busy['p99_ms']:6.2f} ms | c1 {single['rps']:7.0f} req/s  "
                f"p50 {single['p50_ms']:5.2f} ms  p99 {single['p99_ms']:5.2f} ms",
                flush=True,
            )
        jwks = f"{identity.url}/api/v1/identity/.well-known/jwks.json"
        results["verification"] = asyncio.run(verification_cost(jwks, token, 100_000))
    finally:
        for process in reversed(processes):
            process.stop()
        asyncio.run(_drop_databases())
        delete_test_broker_entities("bench.")
        shutil.rmtree(work, ignore_errors=True)

    t = results["targets"]
    gateway_share = t["gateway"]["c32"]["rps"] / t["minimal-aiohttp"]["c32"]["rps"] * 100
    overhead = t["gateway"]["c1"]["p50_ms"] - t["direct"]["c1"]["p50_ms"]
    results["summary"] = {
        "gateway_rps_pct_of_minimal_aiohttp_c32": round(gateway_share, 1),
        "gateway_p50_overhead_over_direct_c1_ms": round(overhead, 3),
        "httpx_rps_pct_of_direct_c32": round(
            t["minimal-httpx"]["c32"]["rps"] / t["direct"]["c32"]["rps"] * 100, 1
        ),
        "aiohttp_rps_pct_of_direct_c32": round(
            t["minimal-aiohttp"]["c32"]["rps"] / t["direct"]["c32"]["rps"] * 100, 1
        ),
        "targets": {"gateway_pct_of_minimal": 80.0, "gateway_p50_overhead_ms": 1.5},
        "cpus": os.cpu_count(),
    }
    print()
    print(
        f"{'target':16} {'c32 req/s':>10} {'c32 p50':>8} {'c32 p99':>8} {'c1 p50':>8} {'c1 p99':>8}"
    )
    for name, row in t.items():
        print(
            f"{name:16} {row['c32']['rps']:10.0f} {row['c32']['p50_ms']:8.2f} "
            f"{row['c32']['p99_ms']:8.2f} {row['c1']['p50_ms']:8.3f} {row['c1']['p99_ms']:8.3f}"
        )
    summary = results["summary"]
    print(
        f"\ngateway throughput = {summary['gateway_rps_pct_of_minimal_aiohttp_c32']}% of the "
        f"minimal aiohttp proxy at 32 connections (target >= 80%)"
    )
    print(
        f"gateway p50 overhead over direct at 1 connection = "
        f"{summary['gateway_p50_overhead_over_direct_c1_ms']} ms (target <= 1.5 ms)"
    )
    print(
        f"forwarding client: aiohttp {summary['aiohttp_rps_pct_of_direct_c32']}% vs httpx "
        f"{summary['httpx_rps_pct_of_direct_c32']}% of direct throughput"
    )
    v = results["verification"]
    print(
        f"token verification: cache hit {v['cache_hit_us']} us/call, "
        f"first-time RSA verify {v['first_time_us']} us/call"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "gateway_hop.json").write_text(json.dumps(results, indent=2) + "\n")


async def _drop_databases() -> None:
    from educert_common.settings import PlatformSettings

    base = PlatformSettings().postgres_url.rstrip("/")
    for service in ("records", "identity"):
        try:
            await drop_database(f"{base}/{PREFIX}{service}")
        except Exception as exc:
            print(f"could not drop {PREFIX}{service}: {exc!r}", file=sys.stderr)


if __name__ == "__main__":
    main()
