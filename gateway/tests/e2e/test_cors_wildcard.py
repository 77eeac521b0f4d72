"""CORS `*` never comes with credentials: any page may read public answers, none may make a
browser send its user's cookies or credentials along and read the reply."""

from collections.abc import AsyncIterator

import httpx
import pytest

from educert_common.testing.processes import RunningProcess, free_port

pytestmark = pytest.mark.e2e

LISTED_ORIGIN = "https://app.example"


@pytest.fixture(scope="module")
async def wildcard_gateway(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    # No service behind it: every API answer is the gateway's own 502, which carries CORS too.
    gateway = RunningProcess(
        "gateway-cors",
        "educert_gateway.main:create_app",
        env={
            "EDUCERT_RECORDS_URL": f"http://127.0.0.1:{free_port()}",
            "EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{free_port()}",
            "GATEWAY_CORS_ALLOWED_ORIGINS": f'["*", "{LISTED_ORIGIN}"]',
        },
        log_dir=tmp_path_factory.mktemp("gateway-cors"),
    ).start()
    try:
        await gateway.wait_ready(path="/healthz", timeout=60)
        yield gateway.url
    finally:
        gateway.stop()


async def test_wildcard_answers_any_origin_without_credentials(wildcard_gateway: str) -> None:
    url = f"{wildcard_gateway}/api/v1/records/about"
    async with httpx.AsyncClient(timeout=10) as client:
        simple = await client.get(url, headers={"Origin": "https://evil.example"})
        preflight = await client.options(
            url,
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
    for response in (simple, preflight):
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers
    assert preflight.status_code == 204


async def test_a_listed_origin_still_gets_credentials(wildcard_gateway: str) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(
            f"{wildcard_gateway}/api/v1/records/about", headers={"Origin": LISTED_ORIGIN}
        )
    assert response.headers["access-control-allow-origin"] == LISTED_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "Origin" in response.headers["vary"]
