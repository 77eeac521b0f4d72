"""The gateway in front of the real services: routing, auth, limits, failures, documents."""

import os
import signal
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from educert_common.settings import SERVICE_NAMES
from educert_common.testing.tokens import (
    Tokens,
    access_claims,
    hs256_token,
    sign_rs256,
    tamper_payload,
    unsigned_token,
)
from educert_common.testing.waiting import wait_until
from educert_gateway.testing import ALLOWED_ORIGIN, MAX_BODY_BYTES, Platform

pytestmark = pytest.mark.e2e

BAD_TOKEN_KINDS = [
    "expired",
    "tampered",
    "wrong_issuer",
    "wrong_audience",
    "alg_none",
    "hs256_with_public_key",
    "refresh_type",
    "unknown_kid",
    "garbage",
]


async def bad_token(kind: str, tokens: Tokens) -> str:
    pem, kid = tokens.private_pem, tokens.kid
    if kind == "expired":
        return sign_rs256(
            access_claims(iat=int(time.time()) - 3600, exp=int(time.time()) - 600), pem, kid
        )
    if kind == "tampered":
        return tamper_payload(await tokens.mint("user-1"), sub="admin-1", roles=["admin"])
    if kind == "wrong_issuer":
        return sign_rs256(access_claims(iss="https://evil.example/identity"), pem, kid)
    if kind == "wrong_audience":
        return sign_rs256(access_claims(aud="someone-else"), pem, kid)
    if kind == "alg_none":
        return unsigned_token(access_claims(), kid)
    if kind == "hs256_with_public_key":
        return hs256_token(access_claims(), tokens.public_pem, kid)
    if kind == "refresh_type":
        return sign_rs256(access_claims(typ="refresh"), pem, kid)
    if kind == "unknown_kid":
        return sign_rs256(access_claims(), pem, "no-such-key")
    return "not.a.token"


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["code"]
    return body


# --- routing --------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_routes_each_service(
    platform: Platform, client: httpx.AsyncClient, service: str
) -> None:
    response = await client.get(f"{platform.gateway.url}/api/v1/{service}/about")
    assert response.status_code == 200
    assert response.json()["service"] == service


async def test_unknown_service_is_404(platform: Platform, client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{platform.gateway.url}/api/v1/nosuch/about"), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/internal/api-keys/exchange",
        "/api/v1/records/internal/anything",
        "/api/v1/identity/internal/api-keys/exchange",
        "/api/v1/records/INTERNAL/anything",
        "/api/v1/records/%69nternal/anything",
    ],
)
async def test_internal_paths_are_never_forwarded(
    platform: Platform, client: httpx.AsyncClient, path: str
) -> None:
    assert_problem(await client.get(platform.gateway.url + path), 404)


# --- authentication -------------------------------------------------------------------


async def test_whoami_through_gateway(
    platform: Platform, client: httpx.AsyncClient, tokens: Tokens
) -> None:
    token = await tokens.mint("student-42", roles=("applicant",), scopes=("reports:verify",))
    response = await client.get(
        f"{platform.gateway.url}/api/v1/records/whoami",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "subject": "student-42",
        "roles": ["applicant"],
        "institution": None,
        "scopes": ["reports:verify"],
    }


async def test_requests_without_token_are_forwarded(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    # The gateway lets it through; the service decides that /whoami needs a token.
    response = await client.get(f"{platform.gateway.url}/api/v1/records/whoami")
    body = assert_problem(response, 401)
    assert body["instance"] == "/api/v1/records/whoami"
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("kind", BAD_TOKEN_KINDS)
async def test_bad_tokens_are_refused_by_gateway_and_service(
    platform: Platform, client: httpx.AsyncClient, tokens: Tokens, kind: str
) -> None:
    headers = {"Authorization": f"Bearer {await bad_token(kind, tokens)}"}
    through_gateway = await client.get(
        f"{platform.gateway.url}/api/v1/records/whoami", headers=headers
    )
    assert_problem(through_gateway, 401)
    assert "invalid_token" in through_gateway.headers["www-authenticate"]
    direct = await client.get(
        f"{platform.services['records'].url}/api/v1/records/whoami", headers=headers
    )
    assert_problem(direct, 401)


async def test_non_bearer_authorization_is_refused(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    response = await client.get(
        f"{platform.gateway.url}/api/v1/records/about", headers={"Authorization": "Basic dTpw"}
    )
    assert_problem(response, 401)


async def test_refused_api_key_is_401(platform: Platform, client: httpx.AsyncClient) -> None:
    response = await client.get(
        f"{platform.gateway.url}/api/v1/records/about", headers={"X-API-Key": "ak_unknown"}
    )
    assert_problem(response, 401)


# --- limits ---------------------------------------------------------------------------


async def test_body_over_limit_by_content_length(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        f"{platform.gateway.url}/api/v1/records/about", content=b"x" * (MAX_BODY_BYTES + 1)
    )
    assert_problem(response, 413)


async def test_chunked_body_over_limit(platform: Platform, client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b"y" * 200

    response = await client.post(f"{platform.gateway.url}/api/v1/records/about", content=chunks())
    assert_problem(response, 413)


async def test_body_within_limit_is_forwarded(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    # The service answers (405: /about is GET only), so the body got through the gateway.
    response = await client.post(
        f"{platform.gateway.url}/api/v1/records/about", content=b"z" * MAX_BODY_BYTES
    )
    assert_problem(response, 405)


async def test_an_upload_route_takes_a_bigger_body_up_to_its_own_cap(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    url = f"{platform.gateway.url}/api/v1/records/institutions/4111099999/imports"
    # Past the general cap, within the upload cap: forwarded (records wants a token: 401).
    response = await client.post(url, content=b"u" * (2 * MAX_BODY_BYTES))
    assert_problem(response, 401)
    response = await client.post(url, content=b"u" * (4 * MAX_BODY_BYTES + 1))
    assert_problem(response, 413)


async def test_rate_limit_answers_429_with_retry_after(
    platform: Platform, client: httpx.AsyncClient, tokens: Tokens
) -> None:
    token = await tokens.mint(f"busy-{uuid.uuid4().hex[:8]}")
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{platform.limited_gateway.url}/api/v1/records/whoami"
    statuses = [(await client.get(url, headers=headers)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = await client.get(url, headers=headers)
    assert_problem(response, 429)
    assert int(response.headers["retry-after"]) >= 1
    # Another client (another subject) still has its own bucket.
    other = await tokens.mint(f"calm-{uuid.uuid4().hex[:8]}")
    ok = await client.get(url, headers={"Authorization": f"Bearer {other}"})
    assert ok.status_code == 200


async def test_clients_behind_a_trusted_proxy_get_their_own_buckets(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    # The tests reach the gateway from 127.0.0.1, a trusted proxy by default, so the client
    # address comes from X-Forwarded-For, as it would behind an ingress.
    url = f"{platform.limited_gateway.url}/api/v1/records/about"
    first = {"X-Forwarded-For": f"198.51.100.{uuid.uuid4().int % 200 + 1}"}
    statuses = [(await client.get(url, headers=first)).status_code for _ in range(4)]
    other = {"X-Forwarded-For": f"203.0.113.{uuid.uuid4().int % 200 + 1}"}

    assert statuses == [200, 200, 200, 429]
    assert (await client.get(url, headers=other)).status_code == 200


async def test_payment_provider_callbacks_are_not_rate_limited(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    url = f"{platform.limited_gateway.url}/api/v1/payment/callbacks/wechat"
    statuses = [(await client.post(url, content=b"{}")).status_code for _ in range(6)]

    # Payment is down behind this gateway, so each one is a 502, but none is a 429.
    assert statuses == [502] * 6


# --- upstream failures ----------------------------------------------------------------


async def test_service_down_is_502(
    platform: Platform, client: httpx.AsyncClient, tokens: Tokens
) -> None:
    token = await tokens.mint(f"pay-{uuid.uuid4().hex[:8]}")
    response = await client.get(
        f"{platform.limited_gateway.url}/api/v1/payment/about",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_problem(response, 502)


async def test_slow_service_is_504(platform: Platform, client: httpx.AsyncClient) -> None:
    records = platform.services["records"]
    assert records.popen is not None
    os.kill(records.popen.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        response = await client.get(f"{platform.gateway.url}/api/v1/records/about")
        elapsed = time.monotonic() - started
    finally:
        os.kill(records.popen.pid, signal.SIGCONT)
    assert_problem(response, 504)
    assert elapsed < 5

    async def records_back() -> bool:
        answer = await client.get(f"{platform.gateway.url}/api/v1/records/about")
        return answer.status_code == 200

    await wait_until(records_back, timeout=10, message="records answering again")


# --- headers --------------------------------------------------------------------------


async def test_request_id_is_kept_when_sane(platform: Platform, client: httpx.AsyncClient) -> None:
    response = await client.get(
        f"{platform.gateway.url}/api/v1/records/about", headers={"X-Request-ID": "abc-123.x"}
    )
    assert response.headers["x-request-id"] == "abc-123.x"


async def test_request_id_is_generated(platform: Platform, client: httpx.AsyncClient) -> None:
    plain = await client.get(f"{platform.gateway.url}/api/v1/records/about")
    weird = await client.get(
        f"{platform.gateway.url}/api/v1/records/about", headers={"X-Request-ID": "bad id; <script>"}
    )
    for response in (plain, weird):
        assert len(response.headers["x-request-id"]) == 32
        assert len(response.headers.get_list("x-request-id")) == 1
    problem = await client.get(f"{platform.gateway.url}/api/v1/records/internal/x")
    assert problem.json()["request_id"] == problem.headers["x-request-id"]


async def test_cors_preflight(platform: Platform, client: httpx.AsyncClient) -> None:
    url = f"{platform.gateway.url}/api/v1/records/whoami"
    preflight = {
        "Origin": ALLOWED_ORIGIN,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }
    response = await client.options(url, headers=preflight)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "GET" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-headers"] == "authorization"
    refused = await client.options(url, headers={**preflight, "Origin": "http://evil.example"})
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    simple = await client.get(
        f"{platform.gateway.url}/api/v1/records/about", headers={"Origin": ALLOWED_ORIGIN}
    )
    assert simple.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


async def test_hop_by_hop_headers_are_not_returned(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    response = await client.get(
        f"{platform.gateway.url}/api/v1/records/about",
        headers={"Connection": "keep-alive, X-Secret", "X-Secret": "1", "TE": "trailers"},
    )
    assert response.status_code == 200
    assert len(response.headers.get_list("date")) == 1
    assert len(response.headers.get_list("server")) == 1


# --- the gateway's own routes ---------------------------------------------------------


async def test_probes_and_metrics(platform: Platform, client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{platform.gateway.url}/healthz")).status_code == 200
    ready = await client.get(f"{platform.gateway.url}/readyz")
    assert ready.json()["checks"] == {"jwks": "ok", "revocations": "ok"}
    metrics = await client.get(f"{platform.gateway.url}/metrics")
    assert "educert_gateway_requests_total" in metrics.text


async def test_merged_openapi(platform: Platform, client: httpx.AsyncClient) -> None:
    document = (await client.get(f"{platform.gateway.url}/openapi.json")).json()
    for service in SERVICE_NAMES:
        assert f"/api/v1/{service}/about" in document["paths"]
        assert f"/api/v1/{service}/whoami" in document["paths"]
    assert "/api/v1/identity/.well-known/jwks.json" in document["paths"]
    assert not [p for p in document["paths"] if "internal" in p or not p.startswith("/api/v1/")]
    assert "x-unavailable-services" not in document
    # Every service publishes the same ServiceAbout: it is kept once, unprefixed.
    schemas = document["components"]["schemas"]
    assert "ServiceAbout" in schemas
    assert not [name for name in schemas if name.endswith("_ServiceAbout")]
    docs = await client.get(f"{platform.gateway.url}/docs")
    assert "swagger-ui" in docs.text and "/openapi.json" in docs.text


async def test_openapi_lists_unavailable_services(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    document = (await client.get(f"{platform.limited_gateway.url}/openapi.json")).json()
    assert document["x-unavailable-services"] == ["payment"]
    assert "/api/v1/records/about" in document["paths"]
    assert "/api/v1/payment/about" not in document["paths"]
