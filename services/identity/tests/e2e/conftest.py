"""Identity and the gateway as real processes, shared by the e2e tests of this directory."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from educert_common.testing.processes import RunningProcess, free_port

IDENTITY_ENV = {
    # The suite shares one client address; per-address limits get their own tests.
    "IDENTITY_CODE_DAILY_CAP_PER_IP": "100000",
    "IDENTITY_LOCKOUT_IP_THRESHOLD": "100000",
    "IDENTITY_REALNAME_DAILY_CAP_PER_IP": "100000",
    # Above what the suite itself spends from 127.0.0.1; the cap tests use their own address.
    "IDENTITY_REGISTRATION_DAILY_CAP_PER_IP": "60",
    "IDENTITY_APPEAL_DAILY_CAP_PER_IP": "10",
    # Exercise the registry's retry path on every verification.
    "IDENTITY_REGISTRY_DELAY_MS": "5",
    "IDENTITY_REGISTRY_FAILURE_RATE": "0.2",
    "IDENTITY_REGISTRY_MAX_ATTEMPTS": "8",
    "IDENTITY_REGISTRY_BACKOFF_SECONDS": "0.01",
    "IDENTITY_FACE_SESSION_TTL_SECONDS": "30",
}


@dataclass
class Stack:
    identity: RunningProcess
    gateway: RunningProcess

    @property
    def api(self) -> str:
        return f"{self.gateway.url}/api/v1/identity"


# Module scope: processes of one test module never consume the events of another.
@pytest.fixture(scope="module")
async def stack(
    migrated_services: None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    log_dir: Path = tmp_path_factory.mktemp("identity-e2e")
    identity_port = free_port()
    urls = {"EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{identity_port}"}
    identity = RunningProcess(
        "identity",
        "identity.main:create_app",
        port=identity_port,
        env={**urls, **IDENTITY_ENV, "IDENTITY_STORAGE_ROOT": str(log_dir / "storage")},
        log_dir=log_dir,
    )
    gateway = RunningProcess(
        "gateway",
        "educert_gateway.main:create_app",
        env={
            **urls,
            "GATEWAY_RATE_LIMIT_PER_SECOND": "10000",
            "GATEWAY_RATE_LIMIT_BURST": "10000",
            "GATEWAY_OPENAPI_CACHE_SECONDS": "0",
        },
        log_dir=log_dir,
    )
    identity.start()
    gateway.start()
    try:
        await identity.wait_ready(timeout=60)
        await gateway.wait_ready(timeout=60)
        yield Stack(identity, gateway)
    finally:
        gateway.stop()
        identity.stop()


@dataclass
class Recorder:
    """An HTTP client that keeps every response body, for the no-raw-ID-number scan."""

    http: httpx.AsyncClient
    bodies: list[str] = field(default_factory=list)

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = await self.http.request(method, url, **kwargs)
        self.bodies.append(response.text)
        return response

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("PUT", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)


@pytest.fixture(scope="session")
async def client() -> AsyncIterator[Recorder]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield Recorder(http)


# Every raw ID number the e2e tests registered, for the log and response scan.
REGISTERED_ID_NUMBERS: set[str] = set()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@dataclass
class Onboarded:
    person: Any
    user_id: str
    access: str
    refresh: str


@pytest.fixture
def onboard(stack: Stack, client: Recorder, outbox: Any, make_person: Any) -> Any:
    """Register a person, verify the mobile by its SMS code, log in by mobile."""

    async def run(person: Any = None, **changes: Any) -> Onboarded:
        person = person or make_person()
        REGISTERED_ID_NUMBERS.add(person.id_number)
        response = await client.post(
            f"{stack.api}/registrations", json=person.registration(**changes)
        )
        assert response.status_code == 201, response.text
        user_id = response.json()["user_id"]
        code = await outbox.code(person.mobile, "register_mobile")
        response = await client.post(
            f"{stack.api}/registrations/mobile-verification",
            json={"mobile": person.mobile, "code": code},
        )
        assert response.status_code == 200, response.text
        response = await client.post(
            f"{stack.api}/login", json={"identifier": person.mobile, "password": person.password}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return Onboarded(person, user_id, body["access_token"], body["refresh_token"])

    return run
