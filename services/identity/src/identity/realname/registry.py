"""The population registry behind an interface, and the development adapter.

`PopulationRegistry.check(person)` answers match, mismatch (naming the field) or not found,
or raises `RegistryTemporarilyUnavailable`. The development adapter is a real component: it
looks people up in the `registry_people` table (loaded from CSV by operators), applies the
ID-number consistency rules (GB 11643 birth date and gender digit), and can be slowed down
and made to fail at a configured rate so the retry path runs.
"""

import asyncio
import random
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts.validation import GB11643_TYPES, IdType, Problems, check_gb11643
from identity.config import IdentitySettings
from identity.crypto import Secrets
from identity.realname.repository import RegistryRepository


class Outcome(StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Person:
    """What the account claims; the ID number in clear only in memory, for the check."""

    id_type: str
    id_number: str
    real_name: str
    gender: str
    birth_date: date
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    # For a mismatch: real_name, gender, birth_date, id_valid_from, id_valid_to.
    field: str | None = None


class RegistryTemporarilyUnavailable(Exception):
    """The registry did not answer this time; asking again later may work."""


class PopulationRegistry(Protocol):
    async def check(self, person: Person) -> Answer: ...


REGISTRY_CONTEXT = "registry_people"


class DevelopmentRegistry:
    """Registry backed by the `registry_people` table (see docs/identity.md for the CSV)."""

    def __init__(
        self,
        session: AsyncSession,
        settings: IdentitySettings,
        secrets: Secrets,
        rng: random.Random | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.secrets = secrets
        self.rng = rng or random.Random()

    async def check(self, person: Person) -> Answer:
        if self.settings.registry_delay_ms:
            await asyncio.sleep(self.settings.registry_delay_ms / 1000)
        if self.rng.random() < self.settings.registry_failure_rate:
            raise RegistryTemporarilyUnavailable("simulated registry failure")
        # The number itself must be consistent with what it encodes.
        if person.id_type in GB11643_TYPES:
            facts = check_gb11643(person.id_number, IdType(person.id_type), Problems(), "id_number")
            if facts is None:
                return Answer(Outcome.MISMATCH, "id_number")
            if facts.gender != person.gender:
                return Answer(Outcome.MISMATCH, "gender")
            if facts.birth_date != person.birth_date:
                return Answer(Outcome.MISMATCH, "birth_date")
        row = await RegistryRepository(self.session).find(
            person.id_type, self.secrets.id_index.of(person.id_number)
        )
        if row is None:
            return Answer(Outcome.NOT_FOUND)
        decrypt = self.secrets.personal.decrypt
        known_name = decrypt(row.name_encrypted, context=f"{REGISTRY_CONTEXT}.name")
        if known_name.replace(" ", "") != person.real_name.replace(" ", ""):
            return Answer(Outcome.MISMATCH, "real_name")
        if row.gender != person.gender:
            return Answer(Outcome.MISMATCH, "gender")
        birth = self.secrets.decrypt_date(
            row.birth_date_encrypted, context=f"{REGISTRY_CONTEXT}.birth_date"
        )
        if birth != person.birth_date:
            return Answer(Outcome.MISMATCH, "birth_date")
        valid_from = self.secrets.decrypt_date(
            row.valid_from_encrypted, context=f"{REGISTRY_CONTEXT}.valid_from"
        )
        if valid_from != person.valid_from:
            return Answer(Outcome.MISMATCH, "id_valid_from")
        valid_to = self.secrets.decrypt_date(
            row.valid_to_encrypted, context=f"{REGISTRY_CONTEXT}.valid_to"
        )
        if valid_to != person.valid_to:
            return Answer(Outcome.MISMATCH, "id_valid_to")
        return Answer(Outcome.MATCH)


class DisabledRegistry:
    """No registry configured (`IDENTITY_REGISTRY_ADAPTER=disabled`): every check is 503."""

    async def check(self, person: Person) -> Answer:
        raise RegistryTemporarilyUnavailable("no population registry is configured")
