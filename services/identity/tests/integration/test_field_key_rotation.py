"""Rotating identity's personal-data key: old data stays readable, the command re-encrypts it.

A database of this module's own: the rotation rewrites every row, which the rest of the
suite (running with the development secret) must not see.
"""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import LargeBinary, text

from educert_common.crypto import FieldCipher, UnknownFieldKey
from educert_common.db import Database
from educert_common.events.outbox import Outbox
from educert_common.field_keys import count_by_key, rotate_columns
from educert_common.settings import PlatformSettings
from identity.accounts.registration import register
from identity.accounts.repository import UserRepository
from identity.accounts.rules import me_view
from identity.accounts.schemas import RegistrationRequest
from identity.base import Base, messaging
from identity.config import IdentitySettings
from identity.encrypted_fields import encrypted_columns
from identity.realname.models import RegistryPerson
from identity.realname.service import import_registry_csv

SECRET_A, SECRET_B = "rotation-test-secret-a", "rotation-test-secret-b"
ROTATED = {
    "IDENTITY_PERSONAL_DATA_SECRET": SECRET_B,
    "IDENTITY_PERSONAL_DATA_KEY_ID": "2",
    "IDENTITY_PERSONAL_DATA_RETIRED_SECRETS": f'{{"1": "{SECRET_A}"}}',
}


@pytest.fixture(scope="module")
def database_url(migrated_services: None) -> str:
    platform = PlatformSettings()
    url = f"{platform.postgres_url}/{platform.database_prefix}identity_rotation"
    migrate = Path(sys.executable).parent / "educert-migrate"
    done = subprocess.run(
        [str(migrate), "identity"],
        env={**os.environ, "IDENTITY_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return url


@pytest.fixture(scope="module")
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database.connect(database_url, pool_size=2)
    try:
        yield database
    finally:
        await database.dispose()


def settings_with(database_url: str, **env: str) -> IdentitySettings:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {"IDENTITY_DATABASE_URL": database_url, **env}.items():
            patch.setenv(name, value)
        return IdentitySettings()


async def rotate_command(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    admin = Path(sys.executable).parent / "educert-admin"
    return await asyncio.to_thread(
        subprocess.run,
        [str(admin), "rotate-field-key", "identity", *args],
        env={**os.environ, "IDENTITY_DATABASE_URL": database_url, **ROTATED},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def write_under_key_a(database: Database, settings: IdentitySettings, people: list) -> list:
    csv_text = "id_type,id_number,name,gender,birth_date,valid_from,valid_to\n" + "\n".join(
        person.csv_row() for person in people
    )
    user_ids = []
    async with database.transaction() as session:
        await import_registry_csv(session, settings, content=csv_text.encode(), actor="test")
        for person in people:
            registered = await register(
                session,
                Outbox(messaging, source="identity"),
                settings,
                RegistrationRequest(**person.registration()),
                ip=f"203.0.113.{len(user_ids) + 1}",
            )
            user_ids.append(registered.user.id)
    return user_ids


async def masked_numbers(database: Database, settings: IdentitySettings, ids: list) -> list:
    async with database.transaction() as session:
        users = [await UserRepository(session).get(user_id) for user_id in ids]
        return [me_view(user, settings).id_number_masked for user in users if user]


def test_every_encrypted_column_is_listed_for_rotation() -> None:
    """A new *_encrypted column must join identity.encrypted_fields, or rotation misses it."""
    stored = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, LargeBinary) and column.name.endswith("_encrypted")
    }
    # Signing keys are sealed with IDENTITY_SECRET_KEY and rotate themselves (90 days).
    stored.discard("signing_keys.private_key_encrypted")
    listed = {spec.name for spec in encrypted_columns(IdentitySettings())}
    assert listed == stored


async def test_rotation_keeps_old_data_readable_and_re_encrypts_every_row(
    database_url: str, database: Database, make_person: object
) -> None:
    key_a = settings_with(database_url, IDENTITY_PERSONAL_DATA_SECRET=SECRET_A)
    people = [make_person() for _ in range(3)]  # type: ignore[operator]
    user_ids = await write_under_key_a(database, key_a, people)
    expected = [p.id_number[:3] + "*" * 11 + p.id_number[-4:] for p in people]
    columns = encrypted_columns(key_a)
    before = await count_by_key(database, columns)
    assert before["users.id_number_encrypted"] == {1: 3}
    assert before["registry_people.name_encrypted"] == {1: 3}

    # Key B is current, A retired: what A sealed still reads; new data is sealed with B.
    key_b = settings_with(database_url, **ROTATED)
    assert await masked_numbers(database, key_b, user_ids) == expected
    # Without A in the ring, the same rows fail with a clear error naming the key id.
    b_only = settings_with(
        database_url, IDENTITY_PERSONAL_DATA_SECRET=SECRET_B, IDENTITY_PERSONAL_DATA_KEY_ID="2"
    )
    with pytest.raises(UnknownFieldKey, match="key id 1 is not in the key ring"):
        await masked_numbers(database, b_only, user_ids)

    # An interrupted run (one column done, in batches of 1) is finished by the command.
    partial = await rotate_columns(database, encrypted_columns(key_b)[:1], batch_size=1)
    assert partial[0].rotated == 3 and partial[0].remaining == 0
    done = await rotate_command(database_url, "--batch-size", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "users.id_number_encrypted: re-encrypted 0" in done.stdout
    assert "users.id_valid_from_encrypted: re-encrypted 3" in done.stdout
    after = await count_by_key(database, columns)
    assert all(set(counts) == {2} for counts in after.values()), after
    assert after["registry_people.id_number_encrypted"] == {2: 3}
    # No row uses key A any more: the ring without A reads everything.
    assert await masked_numbers(database, b_only, user_ids) == expected

    # Idempotent: a second run finds nothing to do.
    again = await rotate_command(database_url)
    assert again.returncode == 0
    assert "re-encrypted 0" in again.stdout and "re-encrypted 1" not in again.stdout


async def test_a_row_under_an_unknown_key_stops_the_rotation_with_its_name(
    database_url: str, database: Database
) -> None:
    stranger = FieldCipher.from_secret("unknown", "identity-personal-data", key_id=7)
    row_id = uuid.uuid4()
    blob = stranger.encrypt("x")
    async with database.transaction() as session:
        session.add(
            RegistryPerson(
                id=row_id,
                id_type="resident_id",
                id_number_hash=uuid.uuid4().hex,
                id_number_encrypted=blob,
                name_encrypted=blob,
                gender="male",
                birth_date_encrypted=blob,
                valid_from_encrypted=blob,
            )
        )
    try:
        failed = await rotate_command(database_url)
        assert failed.returncode == 2, failed.stdout + failed.stderr
        assert f"registry_people.id_number_encrypted row {row_id}" in failed.stderr
        assert "key id 7 is not in the key ring" in failed.stderr
        assert "Traceback" not in failed.stderr
    finally:
        async with database.transaction() as session:
            await session.execute(
                text("DELETE FROM registry_people WHERE id = :id"), {"id": row_id}
            )


def test_a_service_without_encrypted_columns_has_nothing_to_rotate() -> None:
    admin = Path(sys.executable).parent / "educert-admin"
    done = subprocess.run(
        [str(admin), "rotate-field-key", "payment"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "payment stores no encrypted columns" in done.stdout
