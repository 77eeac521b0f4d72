"""`educert-admin create-admin` as an operator runs it, on a fresh identity database.

The command runs for real (a subprocess) against a database migrated by `educert-migrate`;
the code it prints is redeemed at a real identity process, through the public API.
"""

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jose import jwt
from sqlalchemy import text

from educert_common.db import Database
from educert_common.settings import PlatformSettings
from educert_common.testing.processes import RunningProcess, free_port

pytestmark = pytest.mark.e2e

CODE_LINE = re.compile(r"One-time password-set code: (\d{6})")
PASSWORD = "Bootstrap2026ok"


def educert(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    scripts = Path(sys.executable).parent
    return subprocess.run(
        [str(scripts / args[0]), *args[1:]],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def fresh_identity_env(migrated_services: None) -> dict[str, str]:
    """An identity database of this module's own (no admin in it), migrated by the CLI."""
    platform = PlatformSettings()
    url = f"{platform.postgres_url}/{platform.database_prefix}identity_bootstrap"
    env = {"IDENTITY_DATABASE_URL": url}
    migrated = educert("educert-migrate", "identity", env=env)
    assert migrated.returncode == 0, migrated.stderr
    return env


@pytest.fixture(scope="module")
async def identity(
    fresh_identity_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningProcess]:
    port = free_port()
    process = RunningProcess(
        "identity",
        "identity.main:create_app",
        port=port,
        # It verifies tokens with its own published keys.
        env={**fresh_identity_env, "EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{port}"},
        log_dir=tmp_path_factory.mktemp("bootstrap"),
    ).start()
    try:
        await process.wait_ready(timeout=60)
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
async def database(fresh_identity_env: dict[str, str]) -> AsyncIterator[Database]:
    database = Database.connect(fresh_identity_env["IDENTITY_DATABASE_URL"], pool_size=2)
    try:
        yield database
    finally:
        await database.dispose()


async def rows(database: Database, sql: str, **params: Any) -> list[Any]:
    async with database.transaction() as session:
        return list((await session.execute(text(sql), params)).all())


async def create_admin(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(educert, "educert-admin", "create-admin", *args, env=env)


async def test_the_first_admin_sets_a_password_with_the_printed_code_and_logs_in(
    fresh_identity_env: dict[str, str], identity: RunningProcess, database: Database
) -> None:
    api = f"{identity.url}/api/v1/identity"
    first = await create_admin(
        fresh_identity_env, "--email", "Root@Example.com", "--username", "rootadmin"
    )
    assert first.returncode == 0, first.stderr
    match = CODE_LINE.search(first.stdout)
    assert match, first.stdout
    code = match.group(1)
    assert "/api/v1/identity/recovery/password" in first.stdout

    async with httpx.AsyncClient(timeout=30) as client:
        # Before the password is set, nobody can log in as the admin.
        refused = await client.post(
            f"{api}/login", json={"identifier": "rootadmin", "password": PASSWORD}
        )
        assert refused.status_code == 401
        reset = await client.post(
            f"{api}/recovery/password",
            json={"destination": "root@example.com", "code": code, "new_password": PASSWORD},
        )
        assert reset.status_code == 200, reset.text
        again = await client.post(
            f"{api}/recovery/password",
            json={"destination": "root@example.com", "code": code, "new_password": "Other2026ok"},
        )
        assert again.status_code == 422, "the code is single use"
        login = await client.post(
            f"{api}/login", json={"identifier": "rootadmin", "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        assert "admin" in jwt.get_unverified_claims(token)["roles"]
        # The admin can do what only an admin may: create an operator.
        operator = await client.post(
            f"{api}/staff",
            headers={"Authorization": f"Bearer {token}"},
            json={"role": "operator", "username": "firstoperator", "email": "op@example.com"},
        )
        assert operator.status_code == 201, operator.text

    # A second run is refused while an admin exists, and creates nothing.
    second = await create_admin(
        fresh_identity_env, "--email", "other@example.com", "--username", "otheradmin"
    )
    assert second.returncode == 3, second.stdout + second.stderr
    assert "admin already exists" in second.stderr
    assert "Traceback" not in second.stderr
    assert not await rows(database, "SELECT 1 FROM users WHERE email = 'other@example.com'")

    # Forced: another admin, and for an existing admin's e-mail a new code, no new account.
    forced = await create_admin(
        fresh_identity_env, "--email", "other@example.com", "--username", "otheradmin", "--force"
    )
    assert forced.returncode == 0, forced.stderr
    assert CODE_LINE.search(forced.stdout)
    reissued = await create_admin(fresh_identity_env, "--email", "root@example.com", "--force")
    assert reissued.returncode == 0, reissued.stderr
    assert "New password-set code for admin rootadmin" in reissued.stdout
    not_admin = await create_admin(fresh_identity_env, "--email", "op@example.com", "--force")
    assert not_admin.returncode == 2 and "not an admin" in not_admin.stderr

    admins = await rows(database, "SELECT username FROM users WHERE roles ? 'admin'")
    assert sorted(name for (name,) in admins) == ["otheradmin", "rootadmin"]
    audit = await rows(
        database,
        "SELECT action, actor, after FROM audit_entries WHERE action LIKE 'admin.%' "
        "ORDER BY occurred_at",
    )
    assert [action for action, _, _ in audit] == [
        "admin.bootstrapped",
        "admin.bootstrapped",
        "admin.password_code_issued",
    ]
    assert {actor for _, actor, _ in audit} == {"operator:create-admin"}
    assert [after["forced"] for _, _, after in audit] == [False, True, True]
    # The code is shown to the operator only: not in the audit log, not handed to notification.
    assert code not in str(audit)
    issued = await rows(
        database,
        "SELECT 1 FROM outbox_events WHERE event_type = 'identity.verification_code.issued'",
    )
    assert issued == []
