"""Test support for the records service: the running stack, callers with minted tokens, and
bodies of reported records (used by the service's tests and benchmarks; nothing here runs in
production)."""

import os
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from educert_common.db import Database
from educert_common.testing.events import EventRecorder
from educert_common.testing.people import Person
from educert_common.testing.processes import RunningProcess
from educert_common.testing.tokens import Tokens
from educert_common.testing.waiting import wait_until

# What records publishes, as the tests see it.
Subscriber = EventRecorder


@dataclass
class Stack:
    identity: RunningProcess
    records: RunningProcess
    env: dict[str, str]
    log_dir: Path
    database: Database
    subscriber: Subscriber

    @property
    def url(self) -> str:
        return self.records.url + "/api/v1/records"

    def restart_records(self, *, kill: bool) -> RunningProcess:
        if kill:
            self.records.kill()
        else:
            self.records.stop()
        self.records = RunningProcess(
            "records",
            "records.main:create_app",
            port=self.records.port,
            env=self.env,
            log_dir=self.log_dir,
        ).start()
        return self.records

    async def rows(self, statement: str, **params: Any) -> list[Any]:
        async with self.database.transaction() as session:
            return list((await session.execute(sa.text(statement), params)).all())

    async def execute(self, statement: str, **params: Any) -> None:
        async with self.database.transaction() as session:
            await session.execute(sa.text(statement), params)


def new_institution_id() -> str:
    """A fresh 10-digit code in the 4199x range no real institution uses."""
    return "4199" + str(uuid.uuid4().int % 10**6).zfill(6)


@dataclass
class Caller:
    """Headers for each kind of caller, and the steps tests repeat."""

    http: httpx.AsyncClient
    stack: Stack
    tokens: Tokens

    async def operator(self) -> dict[str, str]:
        token = await self.tokens.mint(f"op-{uuid.uuid4().hex[:8]}", roles=("operator",))
        return {"Authorization": f"Bearer {token}"}

    async def staff(self, institution_id: str) -> dict[str, str]:
        token = await self.tokens.mint(
            str(uuid.uuid4()), roles=("institution_staff",), institution=institution_id
        )
        return {"Authorization": f"Bearer {token}"}

    async def partner(self, institution_id: str, *scopes: str) -> dict[str, str]:
        token = await self.tokens.mint(
            f"partner:{uuid.uuid4().hex[:8]}",
            roles=("partner",),
            institution=institution_id,
            scopes=scopes,
        )
        return {"Authorization": f"Bearer {token}"}

    async def student(self, user_id: uuid.UUID | None = None) -> tuple[uuid.UUID, dict[str, str]]:
        user_id = user_id or uuid.uuid4()
        token = await self.tokens.mint(str(user_id), roles=("applicant",))
        return user_id, {"Authorization": f"Bearer {token}"}

    async def institution(self, institution_id: str | None = None, **fields: Any) -> str:
        """Create an active institution and return its code."""
        code = institution_id or new_institution_id()
        body = {
            "id": code,
            "name_zh": f"测试大学{code[-4:]}",
            "name_en": f"Test University {code[-4:]}",
            "province": "北京市",
            "kind": "undergraduate",
            **fields,
        }
        response = await self.http.post(
            f"{self.stack.url}/institutions", json=body, headers=await self.operator()
        )
        assert response.status_code == 201, response.text
        return code


RNG = random.Random(20261202)


def student_status_body(who: Person, **overrides: Any) -> dict[str, Any]:
    return {
        "name": who.name,
        "gender": who.gender,
        "birth_date": who.birth_date.isoformat(),
        "id_number": who.id_number,
        "ethnicity": "汉族",
        "major": "计算机科学与技术",
        "level": "bachelor",
        "study_form": "full_time",
        "education_type": "regular",
        "enrollment_date": "2019-09-01",
        "study_years": "4",
        "status": "enrolled",
        "status_date": "2019-09-01",
        **overrides,
    }


def e_registration_number(institution_id: str, year: int = 2023) -> str:
    """A fresh 18-digit e-registration number of the institution (school code first)."""
    return f"{institution_id[-5:]}1{year}05{RNG.randrange(10**6):06d}"


def qualification_body(who: Person, institution_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "name": who.name,
        "gender": who.gender,
        "birth_date": who.birth_date.isoformat(),
        "id_number": who.id_number,
        "certificate_number": e_registration_number(institution_id),
        "major": "计算机科学与技术",
        "level": "bachelor",
        "enrollment_date": "2019-09-01",
        "graduation_date": "2023-06-30",
        "conclusion": "graduated",
        "principal_name": "张校长",
        **overrides,
    }


def degree_body(who: Person, institution_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "name": who.name,
        "gender": who.gender,
        "birth_date": who.birth_date.isoformat(),
        "id_number": who.id_number,
        "certificate_number": f"{institution_id[-5:]}42023{RNG.randrange(10**6):06d}",
        "degree_level": "bachelor",
        "discipline": "工学",
        "major": "计算机科学与技术",
        "conferred_date": "2023-06-30",
        **overrides,
    }


def adult(rng: random.Random | None = None) -> Person:
    """A person old enough to have enrolled in 2019."""
    from educert_common.testing.people import person

    return person(rng or RNG, born_after=date(1995, 1, 1))


class IdentityTap:
    """A queue of this run bound to identity's events: the one-time codes a registration needs
    (identity's outbox table keeps them redacted once published)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self._connection: Any = None

    async def start(self) -> None:
        import json

        import aio_pika

        from educert_common.settings import PlatformSettings

        settings = PlatformSettings()
        self._connection = await aio_pika.connect_robust(settings.broker_url)
        channel = await self._connection.channel()
        exchange = await channel.declare_exchange(
            f"{settings.broker_prefix}educert.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(
            f"{settings.broker_prefix}recordstest.identity.{uuid.uuid4().hex[:8]}",
            durable=False,
            exclusive=True,
        )
        await queue.bind(exchange, routing_key="identity.#")

        async def keep(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                self.received.append(json.loads(message.body))

        await queue.consume(keep)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    async def code(self, mobile: str) -> str:
        async def issued() -> str | None:
            for envelope in reversed(self.received):
                data = envelope["data"]
                if (
                    envelope["type"] == "identity.verification_code.issued"
                    and data.get("destination") == mobile
                    and data.get("code") not in (None, "[redacted]")
                ):
                    return str(data["code"])
            return None

        return await wait_until(issued, timeout=20, message=f"code for {mobile}")


@dataclass
class Student:
    user_id: uuid.UUID
    headers: dict[str, str]
    person: Person


async def verified_student(caller: Caller, tap: IdentityTap, who: Person) -> Student:
    """Register `who` with the real identity process, verify the mobile, log in and pass
    real-name verification against the development population registry, so that identity
    publishes `identity.user.realname_verified` through its outbox."""
    api = caller.stack.identity.url + "/api/v1/identity"
    tag = f"{RNG.randrange(10**8):08d}"
    # Each registration from its own documentation address: identity's per-address caps
    # belong to identity's own tests.
    address = {"X-Forwarded-For": f"198.51.{RNG.randrange(256)}.{RNG.randrange(1, 255)}"}
    operator = await caller.operator()
    registry = (
        "id_type,id_number,name,gender,birth_date,valid_from,valid_to\n"
        f"resident_id,{who.id_number},{who.name},{who.gender},{who.birth_date.isoformat()},"
        "2020-01-01,2040-01-01"
    )
    response = await caller.http.post(
        f"{api}/registry/people",
        content=registry.encode(),
        headers={**operator, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    mobile, password = f"137{tag}", f"Binding{tag}x"
    response = await caller.http.post(
        f"{api}/registrations",
        json={
            "real_name": who.name,
            "nationality": "CN",
            "gender": who.gender,
            "id_type": "resident_id",
            "id_number": who.id_number,
            "id_valid_from": "2020-01-01",
            "id_valid_to": "2040-01-01",
            "mobile": mobile,
            "email": f"b{tag}@example.com",
            "password": password,
            "username": f"bind{tag}",
        },
        headers=address,
    )
    assert response.status_code == 201, response.text
    user_id = uuid.UUID(response.json()["user_id"])
    response = await caller.http.post(
        f"{api}/registrations/mobile-verification",
        json={"mobile": mobile, "code": await tap.code(mobile)},
        headers=address,
    )
    assert response.status_code == 200, response.text
    response = await caller.http.post(
        f"{api}/login", json={"identifier": mobile, "password": password}, headers=address
    )
    assert response.status_code == 200, response.text
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    response = await caller.http.post(
        f"{api}/me/realname-verification", headers={**headers, **address}
    )
    assert response.status_code == 200, response.text
    assert response.json()["realname_status"] == "verified", response.text
    return Student(user_id, headers, who)


class MovableClock:
    """The records process's clock offset (RECORDS_CLOCK_OFFSET_FILE), moved by the test."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = timedelta()
        self._write()

    def _write(self) -> None:
        # Replaced, not rewritten: the process notices the new file at once.
        temporary = self.path.with_suffix(".new")
        temporary.write_text(str(self.offset.total_seconds()))
        os.replace(temporary, self.path)

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)
        self._write()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset
