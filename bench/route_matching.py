"""Route matching benchmark: records' app with FastAPI's nested routers against flat routes.

Run:  .venv/bin/python bench/route_matching.py [--calls 5000] [--rounds 5]

In process, no server, database or broker: each request is one call of the ASGI app (all of
its middleware, routing, the bearer-token dependency with a real RS256 token whose check is
cached after the first call, as in production). The "nested" app is
`create_service_app(..., flat_routes=False)`, the "flat" one `records.main.create_app()`.
Requests:
- whoami: GET /api/v1/records/whoami, 200 (records' third route);
- late route: PUT /api/v1/records/reports/policy with an applicant token, refused 403 by its
  operator guard before any database work (records' last route);
- unknown: GET /api/v1/records/nothing-here, 404 after trying every route.
Prints the median CPU microseconds per call over `--rounds` rounds (rounds interleave the two
apps, so drift hits both).
"""

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

os.environ.setdefault("EDUCERT_ENVIRONMENT", "test")

from fastapi import FastAPI

from educert_common.app import create_service_app
from educert_common.auth.verifier import TokenVerifier, keys_from_jwks
from educert_common.settings import PlatformSettings
from educert_common.testing.tokens import Tokens
from records import main
from records.config import RecordsSettings

Call = Callable[[], Awaitable[int]]


def verifier_with(tokens: Tokens) -> TokenVerifier:
    """A verifier that already holds the signing key (no JWKS fetch, no revocation feed)."""
    platform = PlatformSettings()
    verifier = TokenVerifier(
        jwks_url="http://127.0.0.1:9/unused",
        issuer=platform.jwt_issuer,
        audience=platform.jwt_audience,
    )
    # Bench only: what a successful JWKS fetch would leave behind.
    verifier._keys = keys_from_jwks(tokens.jwks())
    verifier._fetched_at = time.monotonic()
    return verifier


def request(app: FastAPI, method: str, path: str, token: str, body: bytes = b"") -> Call:
    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]
    if body:
        headers.append((b"content-type", b"application/json"))

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def call() -> int:
        status = 0

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": list(headers),
            "client": ("127.0.0.1", 50000),
            "server": ("bench", 80),
        }
        await app(scope, receive, send)  # type: ignore[arg-type]
        return status

    return call


async def cpu_per_call(call: Call, calls: int, expected: int) -> float:
    """CPU microseconds per call, after checking the answer."""
    status = await call()
    assert status == expected, f"expected {expected}, got {status}"
    started = time.process_time()
    for _ in range(calls):
        await call()
    return (time.process_time() - started) / calls * 1e6


async def run(calls: int, rounds: int) -> None:
    tokens = Tokens.generate()
    token = await tokens.mint("bench-user")
    flat = main.create_app()
    nested = create_service_app(main.DEFINITION, RecordsSettings(), flat_routes=False)
    nested.state = flat.state
    flat.state.token_verifier = verifier_with(tokens)
    cases = {
        "whoami": ("GET", "/api/v1/records/whoami", b"", 200),
        "late route": ("PUT", "/api/v1/records/reports/policy", b"{}", 403),
        "unknown": ("GET", "/api/v1/records/nothing-here", b"", 404),
    }
    print(f"records: {len(flat.routes)} routes; median CPU us per call of {calls}, {rounds} rounds")
    print(f"{'request':<12} {'nested':>9} {'flat':>9} {'saved':>9}")
    for name, (method, path, body, expected) in cases.items():
        times: dict[str, list[float]] = {"nested": [], "flat": []}
        for _ in range(rounds):
            for label, app in (("nested", nested), ("flat", flat)):
                call = request(app, method, path, token, body)
                times[label].append(await cpu_per_call(call, calls, expected))
        before, after = statistics.median(times["nested"]), statistics.median(times["flat"])
        print(f"{name:<12} {before:>9.1f} {after:>9.1f} {before - after:>9.1f}")


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.calls, args.rounds))


if __name__ == "__main__":
    main_()
