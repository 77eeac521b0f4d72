"""A real identity process (its JWKS) and its signing key, to make good and bad tokens."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from educert_common.auth import TokenVerifier
from educert_common.db import Database
from educert_common.settings import PlatformSettings
from educert_common.testing.processes import RunningProcess
from identity.config import IdentitySettings
from identity.service import issue_access_token, signing_key_pem


@dataclass
class Keys:
    database: Database
    kid: str
    private_pem: str
    public_pem: bytes

    async def mint(
        self,
        subject: str = "user-1",
        *,
        roles: tuple[str, ...] | list[str] = ("applicant",),
        **options: Any,
    ) -> str:
        async with self.database.transaction() as session:
            return await issue_access_token(session, subject=subject, roles=roles, **options)


@pytest.fixture(scope="session")
async def identity(
    migrated_services: None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningProcess]:
    process = RunningProcess(
        "identity", "identity.main:create_app", log_dir=tmp_path_factory.mktemp("auth")
    ).start()
    try:
        await process.wait_ready()
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="session")
async def keys(migrated_services: None) -> AsyncIterator[Keys]:
    database = Database.connect(IdentitySettings().resolved_database_url(), pool_size=2)
    async with database.transaction() as session:
        kid, private_pem = await signing_key_pem(session)
    public_pem = (
        serialization.load_pem_private_key(private_pem.encode(), password=None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    try:
        yield Keys(database, kid, private_pem, public_pem)
    finally:
        await database.dispose()


def jwks_url(identity: RunningProcess) -> str:
    return f"{identity.url}/api/v1/identity/.well-known/jwks.json"


@pytest.fixture
async def verifier(identity: RunningProcess) -> AsyncIterator[TokenVerifier]:
    settings = PlatformSettings()
    checker = TokenVerifier(
        jwks_url=jwks_url(identity), issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    try:
        yield checker
    finally:
        await checker.aclose()


TTL = timedelta(minutes=15)
