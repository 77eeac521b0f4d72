"""Identity test helpers: people with valid ID numbers, codes read from identity's outbox."""

import itertools
import json
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import aio_pika
import pytest
from sqlalchemy import text
from stdnum.cn import ric

from educert_common.db import Database
from educert_common.errors import DomainError
from educert_common.events.broker import Broker
from educert_common.settings import PlatformSettings
from educert_common.testing.waiting import wait_until
from identity.config import IdentitySettings
from identity.sessions import service as sessions

_counter = itertools.count(1)
_rng = random.Random()


def resident_id(gender: str = "female", birth: date | None = None) -> str:
    """A fresh GB 11643-valid number (region 110105 Beijing Chaoyang), unique per run."""
    birth = birth or date(1970, 1, 1) + timedelta(days=_rng.randrange(0, 12_000))
    order = _rng.randrange(0, 50) * 2 + (1 if gender == "male" else 0)
    base = f"110105{birth:%Y%m%d}{order:03d}"
    return base + ric.calc_check_digit(base + "0")


@dataclass
class Person:
    real_name: str
    gender: str
    id_number: str
    mobile: str
    email: str
    password: str
    username: str

    def registration(self, **changes: Any) -> dict[str, Any]:
        body = {
            "real_name": self.real_name,
            "nationality": "CN",
            "gender": self.gender,
            "id_type": "resident_id",
            "id_number": self.id_number,
            "id_valid_from": "2020-01-01",
            "id_valid_to": "2040-01-01",
            "mobile": self.mobile,
            "email": self.email,
            "password": self.password,
            "username": self.username,
        }
        body.update(changes)
        return body

    def csv_row(self) -> str:
        birth = ric.get_birth_date(self.id_number).isoformat()
        return (
            f"resident_id,{self.id_number},{self.real_name},{self.gender},{birth},"
            "2020-01-01,2040-01-01"
        )


def new_person(gender: str = "female") -> Person:
    n = next(_counter)
    tag = f"{_rng.randrange(10**6):06d}{n:02d}"
    return Person(
        real_name="张晓" + "明红"[n % 2],
        gender=gender,
        id_number=resident_id(gender),
        mobile=f"139{tag[-8:]}",
        email=f"u{tag}@example.com",
        password=f"Tr0ub4dor{n}x",
        username=f"user{tag}",
    )


@pytest.fixture(scope="session")
async def identity_db(migrated_services: None) -> AsyncIterator[Database]:
    database = Database.connect(IdentitySettings().resolved_database_url(), pool_size=3)
    try:
        yield database
    finally:
        await database.dispose()


class EventTap:
    """What identity published, as notification receives it: a queue of this run bound to
    every identity event (published codes and links are redacted from the outbox table)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.broker = Broker(PlatformSettings().broker_url, prefix=PlatformSettings().broker_prefix)

    async def start(self) -> None:
        await self.broker.start()
        await self.broker.wait_connected(15)
        channel = await self.broker.channel()
        exchange = await self.broker.exchange(channel)
        queue = await channel.declare_queue(
            self.broker.queue_name("identity-tests", f".tap.{uuid.uuid4().hex[:8]}"),
            auto_delete=True,
        )
        await queue.bind(exchange, routing_key="identity.#")
        await queue.consume(self._keep, no_ack=True)

    async def _keep(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.received.append(json.loads(message.body))


class Outbox:
    """Reads what identity handed to notification: from its outbox table while a row is not
    yet published, from the broker (the tap) once it is (the table's copy is redacted)."""

    def __init__(self, database: Database, tap: EventTap) -> None:
        self.database = database
        self.tap = tap

    async def _from_table(self, event_type: str, match: dict[str, str]) -> dict[str, Any] | None:
        async with self.database.transaction() as session:
            rows = (
                await session.execute(
                    text(
                        "SELECT payload FROM outbox_events WHERE event_type = :t "
                        "ORDER BY id DESC LIMIT 500"
                    ),
                    {"t": event_type},
                )
            ).scalars()
            for payload in rows:
                data = payload["data"]
                if all(str(data.get(k)) == v for k, v in match.items()):
                    return dict(data)
        return None

    def _from_broker(self, event_type: str, match: dict[str, str]) -> dict[str, Any] | None:
        for envelope in reversed(self.tap.received):
            data = envelope["data"]
            if envelope["type"] == event_type and all(
                str(data.get(k)) == v for k, v in match.items()
            ):
                return dict(data)
        return None

    async def latest(self, event_type: str, **match: str) -> dict[str, Any] | None:
        return await self._from_table(event_type, match)

    async def _secret(self, event_type: str, field: str, match: dict[str, str]) -> dict[str, Any]:
        async def find() -> dict[str, Any] | None:
            data = await self._from_table(event_type, match)
            if data is not None and data[field] != "[redacted]":
                return data
            return self._from_broker(event_type, match)

        return await wait_until(find, message=f"{event_type} {match}")

    async def code(self, destination: str, purpose: str) -> str:
        data = await self._secret(
            "identity.verification_code.issued",
            "code",
            {"destination": destination, "purpose": purpose},
        )
        return str(data["code"])

    async def activation_token(self, email: str) -> str:
        data = await self._secret("identity.activation_link.issued", "link", {"email": email})
        return str(data["link"]).split("token=", 1)[1]


@pytest.fixture(scope="session")
async def event_tap(migrated_services: None) -> AsyncIterator[EventTap]:
    tap = EventTap()
    await tap.start()
    try:
        yield tap
    finally:
        await tap.broker.close()


@pytest.fixture(scope="session")
def outbox(identity_db: Database, event_tap: EventTap) -> Outbox:
    return Outbox(identity_db, event_tap)


@pytest.fixture
def make_person() -> Any:
    return new_person


@pytest.fixture
def make_resident_id() -> Any:
    return resident_id


async def _attempt_login(
    database: Database,
    cfg: IdentitySettings,
    identifier: str,
    password: str,
    ip: str,
    *,
    device_token: str | None = None,
    captcha_token: str | None = None,
) -> sessions.TokenPair | DomainError:
    """One login as POST /login runs it: counted and committed first, then the password."""
    try:
        async with database.transaction() as session:
            attempt = await sessions.begin_login(
                session,
                cfg,
                identifier=identifier,
                ip=ip,
                device_token=device_token,
                captcha_token=captcha_token,
            )
    except DomainError as refused:
        return refused
    async with database.transaction() as session:
        pair, error = await sessions.finish_login(
            session, cfg, attempt, password=password, ip=ip, user_agent="pytest"
        )
    return error or pair  # type: ignore[return-value]


@pytest.fixture
def attempt_login() -> Any:
    """`await attempt_login(database, cfg, identifier, password, ip, device_token=...)`: the
    TokenPair, or the DomainError the login answered with."""
    return _attempt_login
