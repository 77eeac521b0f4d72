"""TokenVerifier: RS256 only, signature first, every claim checked, keys and tokens cached."""

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI

from educert_common.auth import (
    CurrentPrincipal,
    InvalidToken,
    KeysUnavailable,
    Principal,
    TokenVerifier,
    ensure_owner,
    require_roles,
    require_scopes,
)
from educert_common.errors import NotFound
from educert_common.http.problems import install_problem_handlers
from educert_common.settings import PlatformSettings
from educert_common.testing.processes import free_port
from educert_common.testing.tokens import (
    Tokens,
    access_claims,
    hs256_token,
    sign_rs256,
    tamper_payload,
    unsigned_token,
)


@pytest.fixture(scope="module")
def keys() -> Tokens:
    """A signing key of the tests' own: libs/common depends on no service."""
    return Tokens.generate()


@pytest.fixture(scope="module")
def jwks(keys: Tokens) -> Iterator[str]:
    """A real HTTP server publishing the key set, as identity's JWKS endpoint does; its URL."""
    body = json.dumps(keys.jwks()).encode()

    class Publish(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Publish)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
async def verifier(jwks: str) -> AsyncIterator[TokenVerifier]:
    settings = PlatformSettings()
    checker = TokenVerifier(
        jwks_url=jwks, issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    try:
        yield checker
    finally:
        await checker.aclose()


TTL = timedelta(minutes=15)


async def test_valid_token_gives_the_principal(verifier: TokenVerifier, keys: Tokens) -> None:
    token = await keys.mint(
        "staff-7", roles=["institution_staff"], institution="inst-1", scopes=["records:import"]
    )
    principal = await verifier.verify(token)
    assert principal.subject == "staff-7"
    assert principal.roles == frozenset({"institution_staff"})
    assert principal.institution == "inst-1"
    assert principal.scopes == frozenset({"records:import"})
    assert principal.token_id
    assert principal.expires_at.timestamp() > time.time()


def now() -> int:
    return int(time.time())


BAD_CLAIMS: dict[str, dict[str, Any]] = {
    "expired": {"iat": now() - 3600, "exp": now() - 600},
    "not_yet_valid": {"nbf": now() + 3600},
    "issued_in_future": {"iat": now() + 3600, "exp": now() + 7200},
    "wrong_issuer": {"iss": "https://evil.example"},
    "wrong_audience": {"aud": "other"},
    "refresh_token": {"typ": "refresh"},
    "no_type": {"typ": None},
    "no_expiry": {"exp": None},
    "no_subject": {"sub": ""},
    "roles_not_a_list": {"roles": "admin"},
}


@pytest.mark.parametrize("kind", BAD_CLAIMS)
async def test_bad_claims_are_refused(verifier: TokenVerifier, keys: Tokens, kind: str) -> None:
    claims = {k: v for k, v in access_claims(**BAD_CLAIMS[kind]).items() if v is not None}
    with pytest.raises(InvalidToken):
        await verifier.verify(sign_rs256(claims, keys.private_pem, keys.kid))


async def test_tampered_payload_is_refused(verifier: TokenVerifier, keys: Tokens) -> None:
    token = await keys.mint("user-1")
    await verifier.verify(token)
    with pytest.raises(InvalidToken):
        await verifier.verify(tamper_payload(token, roles=["admin"]))


async def test_alg_none_is_refused(verifier: TokenVerifier, keys: Tokens) -> None:
    with pytest.raises(InvalidToken):
        await verifier.verify(unsigned_token(access_claims(), keys.kid))


async def test_hs256_signed_with_the_public_key_is_refused(
    verifier: TokenVerifier, keys: Tokens
) -> None:
    with pytest.raises(InvalidToken):
        await verifier.verify(hs256_token(access_claims(), keys.public_pem, keys.kid))


async def test_embedded_keys_in_the_header_are_ignored(
    verifier: TokenVerifier, keys: Tokens
) -> None:
    attacker = Tokens.generate()
    attacker_jwk = attacker.public_jwk()
    token = sign_rs256(
        access_claims(),
        attacker.private_pem,
        keys.kid,
        jwk=attacker_jwk,
        jku="http://127.0.0.1:1/jwks.json",
        x5u="http://127.0.0.1:1/cert.pem",
    )
    with pytest.raises(InvalidToken):
        await verifier.verify(token)


async def test_unknown_kid_refetches_at_most_once_per_interval(jwks: str, keys: Tokens) -> None:
    settings = PlatformSettings()
    fetches = 0

    class Counting(TokenVerifier):
        async def _fetch(self) -> Any:
            nonlocal fetches
            fetches += 1
            return await super()._fetch()

    verifier = Counting(
        jwks_url=jwks,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        min_refetch_seconds=60,
    )
    try:
        await verifier.verify(await keys.mint("user-1"))
        assert fetches == 1
        for attempt in range(20):
            with pytest.raises(InvalidToken):
                await verifier.verify(
                    sign_rs256(access_claims(), keys.private_pem, f"kid-{attempt}")
                )
        assert fetches == 1
    finally:
        await verifier.aclose()


async def test_verified_tokens_are_cached(verifier: TokenVerifier, keys: Tokens) -> None:
    token = await keys.mint("user-1")
    first = await verifier.verify(token)
    # Served from the cache: even without any keys the same token is still known.
    verifier._keys.clear()
    assert await verifier.verify(token) is first
    with pytest.raises(InvalidToken):
        await verifier.verify(tamper_payload(token, sub="user-2"))


async def test_unreachable_jwks_is_keys_unavailable(keys: Tokens) -> None:
    settings = PlatformSettings()
    verifier = TokenVerifier(
        jwks_url=f"http://127.0.0.1:{free_port()}/jwks.json",
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        fetch_timeout_seconds=1,
    )
    try:
        with pytest.raises(KeysUnavailable):
            await verifier.verify(await keys.mint("user-1"))
        assert not await verifier.ready()
    finally:
        await verifier.aclose()


# --- the FastAPI dependencies ----------------------------------------------------------


def guarded_app(verifier: TokenVerifier) -> FastAPI:
    app = FastAPI()
    app.state.token_verifier = verifier
    install_problem_handlers(app)

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, str]:
        return {"subject": principal.subject}

    @app.get("/admin")
    async def admin(principal: Principal = Depends(require_roles("admin", "operator"))) -> dict:
        return {"ok": True}

    @app.get("/import")
    async def import_(principal: Principal = Depends(require_scopes("records:import"))) -> dict:
        return {"ok": True}

    return app


async def test_dependencies(verifier: TokenVerifier, keys: Tokens) -> None:
    transport = httpx.ASGITransport(app=guarded_app(verifier))
    applicant = await keys.mint("user-1", roles=["applicant"])
    operator = await keys.mint("op-1", roles=["operator"], scopes=["records:import"])
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        missing = await client.get("/me")
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == "Bearer"
        assert missing.headers["content-type"] == "application/problem+json"
        bad = await client.get("/me", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
        assert "invalid_token" in bad.headers["www-authenticate"]
        ok = await client.get("/me", headers={"Authorization": f"Bearer {applicant}"})
        assert ok.json() == {"subject": "user-1"}
        as_applicant = {"Authorization": f"Bearer {applicant}"}
        as_operator = {"Authorization": f"Bearer {operator}"}
        assert (await client.get("/admin", headers=as_applicant)).status_code == 403
        assert (await client.get("/admin", headers=as_operator)).status_code == 200
        assert (await client.get("/import", headers=as_applicant)).status_code == 403
        assert (await client.get("/import", headers=as_operator)).status_code == 200


async def test_ensure_owner(verifier: TokenVerifier, keys: Tokens) -> None:
    owner = await verifier.verify(await keys.mint("user-1", roles=["applicant"]))
    stranger = await verifier.verify(await keys.mint("user-2", roles=["applicant"]))
    admin = await verifier.verify(await keys.mint("admin-1", roles=["admin"]))
    ensure_owner(owner, "user-1")
    ensure_owner(admin, "user-1")
    with pytest.raises(NotFound):
        ensure_owner(stranger, "user-1")


async def test_tokens_wait_for_the_first_revocation_catch_up(jwks: str, keys: Tokens) -> None:
    """A process that has not yet read identity's revocations cannot tell a revoked token from
    a good one: it answers 'unavailable' (503) rather than let one through."""
    from educert_common.auth.revocation import RevocationList

    settings = PlatformSettings()
    revocations = RevocationList(awaiting_first_load=True)
    checker = TokenVerifier(
        jwks_url=jwks,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        revocations=revocations,
        revocation_wait_seconds=0.2,
    )
    token = await keys.mint("user-9", roles=["applicant"])
    try:
        with pytest.raises(KeysUnavailable):
            await checker.verify(token)
        # The same token, now served from the verifier's cache, is still held back.
        with pytest.raises(KeysUnavailable):
            await checker.verify(token)
        revocations.mark_loaded()
        assert (await checker.verify(token)).subject == "user-9"
    finally:
        await checker.aclose()
