"""The registry check records asks for a photo upload attempt
(POST /internal/registry/photo-checks): the account must be the record's person (name and ID
number hash), then the development population registry is asked as for real-name
verification; an unknown account is 404, a registry that does not answer 503."""

import uuid
from datetime import date
from typing import Any

import pytest

from educert_common.db import Database
from educert_common.errors import NotFound
from educert_common.events.outbox import Outbox
from identity.accounts import registration
from identity.accounts.schemas import RegistrationRequest
from identity.config import IdentitySettings
from identity.crypto import secrets_for
from identity.exceptions import RegistryUnavailable
from identity.models import messaging
from identity.realname import service as realname
from identity.realname.registry import Answer, Outcome, RegistryTemporarilyUnavailable

OUTBOX = Outbox(messaging, source="identity")
PHOTO = "a" * 64


class Refusing:
    """A registry that must not be asked (the account is not the record's person)."""

    async def check(self, person: Any) -> Answer:
        raise AssertionError("the registry was asked")


class Down:
    async def check(self, person: Any) -> Answer:
        raise RegistryTemporarilyUnavailable()


async def account(database: Database, person: Any, cfg: IdentitySettings) -> uuid.UUID:
    n = uuid.uuid4().int
    async with database.transaction() as session:
        done = await registration.register(
            session,
            OUTBOX,
            cfg,
            RegistrationRequest(**person.registration()),
            ip=f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250}",
        )
        return done.user.id


async def in_registry(database: Database, person: Any, cfg: IdentitySettings) -> None:
    born = date(
        int(person.id_number[6:10]), int(person.id_number[10:12]), int(person.id_number[12:14])
    )
    csv = (
        "id_type,id_number,name,gender,birth_date,valid_from,valid_to\n"
        f"resident_id,{person.id_number},{person.real_name},{person.gender},"
        f"{born.isoformat()},2020-01-01,2040-01-01\n"
    )
    async with database.transaction() as session:
        await realname.import_registry_csv(session, cfg, content=csv.encode(), actor="test")


async def ask(
    database: Database,
    cfg: IdentitySettings,
    user_id: uuid.UUID,
    name: str,
    number: str,
    registry: Any = None,
) -> Answer:
    factory = (lambda s, c: registry) if registry is not None else realname.configured_registry
    async with database.transaction() as session:
        return await realname.check_person_for_photo(
            session, cfg, user_id=user_id, real_name=name,
            id_number_hash=secrets_for(cfg).id_index.of(number), photo_sha256=PHOTO,
            registry_factory=factory,
        )  # fmt: skip


async def test_the_record_person_known_to_the_registry_matches(
    identity_db: Database, make_person: Any
) -> None:
    cfg = IdentitySettings(registry_backoff_seconds=0)
    person = make_person()
    user_id = await account(identity_db, person, cfg)
    await in_registry(identity_db, person, cfg)
    answer = await ask(identity_db, cfg, user_id, person.real_name, person.id_number)
    assert answer == Answer(Outcome.MATCH)


async def test_someone_else_s_record_is_a_mismatch_without_asking_the_registry(
    identity_db: Database, make_person: Any
) -> None:
    cfg = IdentitySettings(registry_backoff_seconds=0)
    person, other = make_person(), make_person()
    user_id = await account(identity_db, person, cfg)
    renamed = await ask(identity_db, cfg, user_id, "欧阳某某", person.id_number, Refusing())
    assert renamed == Answer(Outcome.MISMATCH, "real_name")
    numbered = await ask(identity_db, cfg, user_id, person.real_name, other.id_number, Refusing())
    assert numbered == Answer(Outcome.MISMATCH, "id_number")


async def test_unknown_to_the_registry_unknown_account_and_registry_down(
    identity_db: Database, make_person: Any
) -> None:
    cfg = IdentitySettings(registry_backoff_seconds=0, registry_max_attempts=2)
    person = make_person()
    user_id = await account(identity_db, person, cfg)
    unknown = await ask(identity_db, cfg, user_id, person.real_name, person.id_number)
    assert unknown == Answer(Outcome.NOT_FOUND)
    with pytest.raises(NotFound):
        await ask(identity_db, cfg, uuid.uuid4(), person.real_name, person.id_number)
    with pytest.raises(RegistryUnavailable) as raised:
        await ask(identity_db, cfg, user_id, person.real_name, person.id_number, Down())
    assert raised.value.status == 503
