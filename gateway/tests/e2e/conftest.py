"""The whole platform for real: five services and two gateways as uvicorn processes."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from educert_common.settings import SERVICE_NAMES
from educert_common.testing.processes import RunningProcess, free_port
from educert_gateway.testing import ALLOWED_ORIGIN, MAX_BODY_BYTES, Platform


# Module scope: processes of one test module never consume the events of another.
@pytest.fixture(scope="module")
async def platform(
    migrated_services: None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Platform]:
    log_dir: Path = tmp_path_factory.mktemp("gateway-e2e")
    ports = {name: free_port() for name in SERVICE_NAMES}
    urls = {
        f"EDUCERT_{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in ports.items()
    }
    services = {
        name: RunningProcess(name, f"{name}.main:create_app", port=port, env=urls, log_dir=log_dir)
        for name, port in ports.items()
    }
    common = {
        **urls,
        "GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "1",
        "GATEWAY_MAX_BODY_BYTES": str(MAX_BODY_BYTES),
        "GATEWAY_MAX_UPLOAD_BYTES": str(4 * MAX_BODY_BYTES),
        "GATEWAY_CORS_ALLOWED_ORIGINS": f'["{ALLOWED_ORIGIN}"]',
        "GATEWAY_OPENAPI_CACHE_SECONDS": "0",
    }
    gateway = RunningProcess(
        "gateway",
        "educert_gateway.main:create_app",
        env={**common, "GATEWAY_RATE_LIMIT_PER_SECOND": "1000", "GATEWAY_RATE_LIMIT_BURST": "1000"},
        log_dir=log_dir,
    )
    limited = RunningProcess(
        "gateway-limited",
        "educert_gateway.main:create_app",
        env={
            **common,
            "EDUCERT_PAYMENT_URL": f"http://127.0.0.1:{free_port()}",
            "GATEWAY_RATE_LIMIT_PER_SECOND": "0.2",
            "GATEWAY_RATE_LIMIT_BURST": "3",
        },
        log_dir=log_dir,
    )
    everything = [*services.values(), gateway, limited]
    for process in everything:
        process.start()
    try:
        await asyncio.gather(*(process.wait_ready(timeout=60) for process in everything))
        yield Platform(services, gateway, limited)
    finally:
        for process in everything:
            process.stop()


@pytest.fixture(scope="session")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield http
