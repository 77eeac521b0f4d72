"""A real person onboarded through the real identity process (registration, mobile code,
login, real-name verification against the development population registry), for end-to-end
tests of the services that need a verified account (records, certification)."""

import json
import random
import uuid
from dataclasses import dataclass
from typing import Any

import aio_pika
import httpx

from educert_common.settings import PlatformSettings
from educert_common.testing.people import Person
from educert_common.testing.waiting import wait_until

RNG = random.Random(20261202)


class IdentityTap:
    """A queue of this run bound to identity's events: the one-time codes a registration needs
    (identity's outbox table keeps them redacted once published)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self._connection: Any = None

    async def start(self) -> None:
        settings = PlatformSettings()
        self._connection = await aio_pika.connect_robust(settings.broker_url)
        channel = await self._connection.channel()
        exchange = await channel.declare_exchange(
            f"{settings.broker_prefix}educert.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(
            f"{settings.broker_prefix}identitytap.{uuid.uuid4().hex[:8]}",
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

    async def activation_token(self, email: str) -> str:
        """The token of the activation link identity sent to `email`."""

        async def issued() -> str | None:
            for envelope in reversed(self.received):
                data = envelope["data"]
                if (
                    envelope["type"] == "identity.activation_link.issued"
                    and data.get("email") == email
                    and "token=" in str(data.get("link"))
                ):
                    return str(data["link"]).split("token=", 1)[1]
            return None

        return await wait_until(issued, timeout=20, message=f"activation link for {email}")

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
class Onboarded:
    user_id: uuid.UUID
    headers: dict[str, str]
    person: Person


async def verified_person(
    http: httpx.AsyncClient,
    identity_url: str,
    operator: dict[str, str],
    tap: IdentityTap,
    who: Person,
    *,
    activate_email: bool = False,
) -> Onboarded:
    """Register `who` with the real identity process, verify the mobile, log in and pass
    real-name verification against the development population registry, so that identity
    publishes `identity.user.realname_verified` through its outbox."""
    api = identity_url + "/api/v1/identity"
    tag = f"{RNG.randrange(10**8):08d}"
    # Each registration from its own documentation address: identity's per-address caps
    # belong to identity's own tests.
    address = {"X-Forwarded-For": f"198.51.{RNG.randrange(256)}.{RNG.randrange(1, 255)}"}
    registry = (
        "id_type,id_number,name,gender,birth_date,valid_from,valid_to\n"
        f"resident_id,{who.id_number},{who.name},{who.gender},{who.birth_date.isoformat()},"
        "2020-01-01,2040-01-01"
    )
    response = await http.post(
        f"{api}/registry/people",
        content=registry.encode(),
        headers={**operator, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    mobile, password = f"137{tag}", f"Binding{tag}x"
    email = f"b{tag}@example.com"
    response = await http.post(
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
            "email": email,
            "password": password,
            "username": f"bind{tag}",
        },
        headers=address,
    )
    assert response.status_code == 201, response.text
    user_id = uuid.UUID(response.json()["user_id"])
    response = await http.post(
        f"{api}/registrations/mobile-verification",
        json={"mobile": mobile, "code": await tap.code(mobile)},
        headers=address,
    )
    assert response.status_code == 200, response.text
    response = await http.post(
        f"{api}/login", json={"identifier": mobile, "password": password}, headers=address
    )
    assert response.status_code == 200, response.text
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    response = await http.post(f"{api}/me/realname-verification", headers={**headers, **address})
    assert response.status_code == 200, response.text
    assert response.json()["realname_status"] == "verified", response.text
    if activate_email:
        token = await tap.activation_token(email)
        response = await http.post(f"{api}/email/activation", json={"token": token})
        assert response.status_code == 200, response.text
    return Onboarded(user_id, headers, who)
