"""Two gateway replicas sharing Redis enforce one budget per client, not one each."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from educert_common.testing.processes import RunningProcess, free_port

pytestmark = pytest.mark.e2e

BURST = 3


@pytest.fixture(scope="module")
async def replicas(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[list[str]]:
    log_dir = tmp_path_factory.mktemp("gateway-shared-limits")
    env = {
        # Nothing behind them: an allowed request is the gateway's own 502, a refused one 429.
        "EDUCERT_RECORDS_URL": f"http://127.0.0.1:{free_port()}",
        "EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{free_port()}",
        "GATEWAY_RATE_LIMIT_PER_SECOND": "0.1",
        "GATEWAY_RATE_LIMIT_BURST": str(BURST),
        "GATEWAY_RATE_LIMIT_REDIS_URL": "redis://127.0.0.1:6379/0",
        "GATEWAY_RATE_LIMIT_REDIS_PREFIX": f"t-{uuid.uuid4().hex[:8]}:",
    }
    gateways = [
        RunningProcess(f"gateway-{n}", "educert_gateway.main:create_app", env=env, log_dir=log_dir)
        for n in range(2)
    ]
    for gateway in gateways:
        gateway.start()
    try:
        await asyncio.gather(*(g.wait_ready(path="/healthz", timeout=60) for g in gateways))
        yield [g.url for g in gateways]
    finally:
        for gateway in gateways:
            gateway.stop()


async def test_two_replicas_enforce_one_budget(replicas: list[str]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        statuses = []
        for attempt in range(BURST + 3):
            url = f"{replicas[attempt % 2]}/api/v1/records/about"
            statuses.append((await client.get(url)).status_code)
    # Alone, each replica would allow BURST requests: together they allow BURST.
    assert statuses == [502] * BURST + [429] * 3, statuses
