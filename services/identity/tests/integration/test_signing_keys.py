"""Signing keys: created once (even by racing replicas), encrypted at rest, published, usable."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import func, select

from educert_common.auth import TokenVerifier
from educert_common.db import Database
from educert_common.settings import PlatformSettings
from educert_common.testing.processes import RunningProcess
from identity.config import IdentitySettings
from identity.models import SigningKey, SigningKeyStatus
from identity.service import (
    decrypt_private_key,
    encrypt_private_key,
    ensure_active_signing_key,
    issue_access_token,
)


@pytest.fixture(scope="module")
async def database(migrated_services: None) -> AsyncIterator[Database]:
    db = Database.connect(IdentitySettings().resolved_database_url(), pool_size=4)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
async def identity(
    migrated_services: None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningProcess]:
    process = RunningProcess(
        "identity", "identity.main:create_app", log_dir=tmp_path_factory.mktemp("identity")
    ).start()
    try:
        await process.wait_ready()
        yield process
    finally:
        process.stop()


def test_private_key_encryption_is_bound_to_secret_and_kid() -> None:
    blob = encrypt_private_key(b"PEM", kid="k1", secret="s1")
    assert b"PEM" not in blob
    assert decrypt_private_key(blob, kid="k1", secret="s1") == b"PEM"
    with pytest.raises(InvalidTag):
        decrypt_private_key(blob, kid="k2", secret="s1")
    with pytest.raises(InvalidTag):
        decrypt_private_key(blob, kid="k1", secret="s2")


async def active_keys(database: Database) -> int:
    async with database.transaction() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(SigningKey)
                .where(SigningKey.status == SigningKeyStatus.ACTIVE)
            )
            or 0
        )


async def test_racing_replicas_create_one_key(database: Database) -> None:
    async def ensure() -> str:
        async with database.transaction() as session:
            return (await ensure_active_signing_key(session)).kid

    kids = await asyncio.gather(*(ensure() for _ in range(4)))
    assert len(set(kids)) == 1
    assert await active_keys(database) == 1
    async with database.transaction() as session:
        key = await session.get(SigningKey, kids[0])
    assert key is not None
    assert b"PRIVATE KEY" not in key.private_key_encrypted


async def test_jwks_publishes_the_key_and_issued_tokens_verify(
    identity: RunningProcess, database: Database
) -> None:
    async with database.transaction() as session:
        token = await issue_access_token(
            session, subject="user-9", roles=["applicant"], scopes=["reports:verify"]
        )
        active = await ensure_active_signing_key(session)
    url = f"{identity.url}/api/v1/identity/.well-known/jwks.json"
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 200
    assert "max-age=" in response.headers["cache-control"]
    published = response.json()["keys"]
    assert active.kid in {key["kid"] for key in published}
    for key in published:
        assert set(key) == {"kty", "kid", "alg", "use", "n", "e"}  # never the private part
    settings = PlatformSettings()
    verifier = TokenVerifier(
        jwks_url=url, issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    try:
        principal = await verifier.verify(token)
    finally:
        await verifier.aclose()
    assert principal.subject == "user-9"
    assert principal.scopes == frozenset({"reports:verify"})
    assert await active_keys(database) == 1
