"""Login benchmark: logins per second and latency at 16 concurrent clients through the gateway.

Run:  .venv/bin/python bench/identity_login.py [--seconds 15] [--clients 16]

Migrates identity into a throwaway database (`educert_benchid_identity`, dropped at the end),
inserts pre-registered users (argon2id with the configured parameters), starts identity and
the gateway (uvicorn, uvloop + httptools, one worker each), and has N async clients (httpx)
log in by username through the gateway for the given time. Also reports the cost of one
argon2 verification with the chosen parameters against argon2-cffi's defaults, and the
gateway's token verification cost per request (the same in-process measurement as
bench/gateway_hop.py: a cache hit and a first-time RSA verify).
Results go to stdout and bench/results/identity_login.json.
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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import gateway_hop

PREFIX = "educert_benchid_"
os.environ.update({"EDUCERT_DATABASE_PREFIX": PREFIX, "EDUCERT_BROKER_PREFIX": "benchid."})

from educert_common.db import Database, drop_database  # noqa: E402
from educert_common.testing.infra import delete_test_broker_entities  # noqa: E402
from educert_common.testing.processes import free_port  # noqa: E402

RESULTS = Path(__file__).parent / "results"
PASSWORD = "Bench2024pw"


def argon2_costs(rounds: int = 10) -> dict[str, float]:
    from argon2 import PasswordHasher

    from identity.accounts.passwords import hasher_for
    from identity.config import IdentitySettings

    result = {}
    for name, hasher in (
        ("chosen_m19456_t2_p1", hasher_for(IdentitySettings())),
        ("argon2_cffi_default_m65536_t3_p4", PasswordHasher()),
    ):
        stored = hasher.hash(PASSWORD)
        started = time.perf_counter()
        for _ in range(rounds):
            hasher.verify(stored, PASSWORD)
        result[name + "_ms"] = round((time.perf_counter() - started) / rounds * 1000, 1)
    return result


async def create_users(count: int) -> list[str]:
    import identity.models  # noqa: F401  (every table mapped)
    from identity.accounts.models import User
    from identity.accounts.passwords import hash_password
    from identity.config import IdentitySettings

    settings = IdentitySettings()
    database = Database.connect(settings.resolved_database_url(), pool_size=2)
    names = []
    try:
        async with database.transaction() as session:
            for _ in range(count):
                name = f"bench{uuid.uuid4().hex[:10]}"
                names.append(name)
                session.add(
                    User(
                        id=uuid.uuid4(),
                        username=name,
                        roles=["applicant"],
                        status="active",
                        password_hash=await hash_password(PASSWORD, settings),
                        email_verified=False,
                        mobile_verified=False,
                        mobile_is_mainland=False,
                        id_holder=False,
                        realname_status="unverified",
                        realname_attempts=0,
                        locale="zh",
                    )
                )
    finally:
        await database.dispose()
    return names


async def load(url: str, users: list[str], clients: int, seconds: float) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def worker(index: int) -> None:
        nonlocal errors
        async with httpx.AsyncClient(timeout=30) as http:
            n = index
            while time.monotonic() < deadline:
                body = {"identifier": users[n % len(users)], "password": PASSWORD}
                started = time.perf_counter()
                response = await http.post(url, json=body)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors += 1
                n += clients

    started = time.monotonic()
    await asyncio.gather(*(worker(i) for i in range(clients)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "logins": len(latencies),
        "errors": errors,
        "logins_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    import subprocess

    work = Path(tempfile.mkdtemp(prefix="identity-login-"))
    subprocess.run(
        [str(Path(sys.executable).parent / "educert-migrate"), "identity"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    ports = {"identity": free_port(), "gateway": free_port()}
    urls = {"EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{ports['identity']}"}
    processes: list[gateway_hop.Process] = []
    try:
        users = asyncio.run(create_users(64))
        identity = gateway_hop.Process(
            "identity",
            gateway_hop.uvicorn_argv("identity.main:create_app", ports["identity"]),
            ports["identity"],
            {**urls, "EDUCERT_LOG_LEVEL": "WARNING"},
            work,
        )
        processes.append(identity)
        identity.wait_ready("/readyz")
        gateway = gateway_hop.Process(
            "gateway",
            gateway_hop.uvicorn_argv("educert_gateway.main:create_app", ports["gateway"]),
            ports["gateway"],
            {
                **urls,
                "GATEWAY_RATE_LIMIT_PER_SECOND": "100000",
                "GATEWAY_RATE_LIMIT_BURST": "100000",
            },
            work,
        )
        processes.append(gateway)
        gateway.wait_ready("/readyz")
        login_url = f"{gateway.url}/api/v1/identity/login"
        asyncio.run(load(login_url, users, args.clients, 2.0))  # warm-up
        results: dict[str, Any] = {
            "login": asyncio.run(load(login_url, users, args.clients, args.seconds))
        }
        results["argon2_verify"] = argon2_costs()
        token = asyncio.run(gateway_hop.mint_token())
        results["gateway_token_verification"] = asyncio.run(
            gateway_hop.verification_cost(
                f"{identity.url}/api/v1/identity/.well-known/jwks.json", token, 20_000
            )
        )
        results["cpu_count"] = os.cpu_count()
    finally:
        for process in reversed(processes):
            process.stop()
        asyncio.run(_drop())
        delete_test_broker_entities("benchid.")
    login = results["login"]
    print(
        f"login through the gateway, {login['clients']} clients: {login['logins_per_second']}/s, "
        f"p50 {login['p50_ms']} ms, p99 {login['p99_ms']} ms, errors {login['errors']}"
    )
    print(f"argon2 verify: {results['argon2_verify']}")
    print(f"gateway token verification: {results['gateway_token_verification']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "identity_login.json").write_text(json.dumps(results, indent=2) + "\n")


async def _drop() -> None:
    from educert_common.settings import PlatformSettings

    await drop_database(f"{PlatformSettings().postgres_url.rstrip('/')}/{PREFIX}identity")


if __name__ == "__main__":
    main()
