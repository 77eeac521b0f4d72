"""Who the client is, as identity sees it through the gateway: a client the gateway does not
trust cannot choose its own address with X-Forwarded-For (and so escape per-address caps)."""

import random
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from educert_common.testing.processes import RunningProcess, free_port

pytestmark = pytest.mark.e2e

REGISTRATION_CAP = 3


class Pair:
    def __init__(self, identity: RunningProcess, gateway: RunningProcess) -> None:
        self.identity = identity
        self.gateway = gateway


@pytest.fixture(scope="module")
async def pair(
    migrated_services: None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Pair]:
    log_dir: Path = tmp_path_factory.mktemp("gateway-client-address")
    identity_port = free_port()
    urls = {"EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{identity_port}"}
    identity = RunningProcess(
        "identity",
        "identity.main:create_app",
        port=identity_port,
        env={
            **urls,
            "IDENTITY_REGISTRATION_DAILY_CAP_PER_IP": str(REGISTRATION_CAP),
            # Identity believes a whole network the gateway lives in (as compose trusts
            # Docker's private pools), which also holds the address the client connects from.
            "IDENTITY_TRUSTED_PROXIES": '["127.0.0.0/8"]',
        },
        log_dir=log_dir,
    )
    # The gateway trusts only 127.0.0.1 (its default): a client connecting from another
    # loopback address is an untrusted peer, like any caller on the internet.
    gateway = RunningProcess(
        "gateway", "educert_gateway.main:create_app", env=urls, log_dir=log_dir
    )
    identity.start()
    gateway.start()
    try:
        await identity.wait_ready(timeout=60)
        await gateway.wait_ready(timeout=60)
        yield Pair(identity, gateway)
    finally:
        gateway.stop()
        identity.stop()


def _untrusted_client() -> httpx.AsyncClient:
    """A client whose connections come from a random loopback address other than 127.0.0.1."""
    source = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
    transport = httpx.AsyncHTTPTransport(local_address=source)
    return httpx.AsyncClient(transport=transport, timeout=15)


def _registration() -> dict[str, object]:
    # Schema-valid, so identity counts it before it looks at the content (the ID number's
    # check digit is wrong, so nothing is created).
    suffix = uuid.uuid4().hex[:8]
    return {
        "real_name": "张三",
        "nationality": "CN",
        "gender": "male",
        "id_type": "resident_id",
        "id_number": "110105194912310021",
        "id_valid_from": "2020-01-01",
        "id_valid_to": None,
        "mobile": f"139{random.randint(10_000_000, 99_999_999)}",
        "email": f"spoof-{suffix}@example.com",
        "password": "Plain2Text9",
        "locale": "en",
    }


async def test_untrusted_client_cannot_spoof_its_address_past_a_per_address_cap(
    pair: Pair,
) -> None:
    url = f"{pair.gateway.url}/api/v1/identity/registrations"
    async with _untrusted_client() as client:
        statuses = []
        for attempt in range(REGISTRATION_CAP + 2):
            # A fresh made-up address every time: were it believed, no cap would ever bite.
            spoofed = {"X-Forwarded-For": f"203.0.113.{attempt + 1}"}
            response = await client.post(url, json=_registration(), headers=spoofed)
            statuses.append(response.status_code)
        assert response.status_code == 429, statuses
        assert response.json()["code"] == "registration_rate_limited"
        assert statuses[:REGISTRATION_CAP].count(429) == 0, statuses
