"""Two accounts taking the same e-mail at once, against a real identity process: the one
that loses the race on the `users.email` unique index gets the same 409 as a late caller."""

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from educert_common.db import Database
from educert_common.testing.waiting import wait_until

pytestmark = pytest.mark.e2e


async def waiting_on_a_lock(database: Database) -> bool:
    async with database.transaction() as session:
        waiting = await session.scalar(
            text("SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'")
        )
    return bool(waiting)


async def test_an_email_taken_concurrently_answers_409_not_500(
    stack: Any, onboard: Any, outbox: Any, identity_db: Database
) -> None:
    mover, other = await onboard(), await onboard()
    api = f"{stack.identity.url}/api/v1/identity"
    headers = {"Authorization": f"Bearer {mover.access}"}
    email = f"race{uuid.uuid4().hex[:10]}@example.com"
    async with httpx.AsyncClient(timeout=60) as http:
        asked = await http.post(
            f"{api}/me/email/code",
            headers=headers,
            json={"email": email, "current_password": mover.person.password},
        )
        assert asked.status_code == 200, asked.text
        code = await outbox.code(email, "change_email")
        # The other account takes the address in a transaction still open when the mover
        # confirms: the mover's check sees the address free, its write waits on the unique
        # index, and fails once the other transaction commits (a race, made deterministic).
        async with identity_db.transaction() as session:
            await session.execute(
                text("UPDATE users SET email = :e WHERE id = :u"),
                {"e": email, "u": other.user_id},
            )
            confirming = asyncio.create_task(
                http.put(f"{api}/me/email", headers=headers, json={"email": email, "code": code})
            )
            await wait_until(
                lambda: waiting_on_a_lock(identity_db), message="the confirmation to wait"
            )
        confirmed = await confirming
    assert confirmed.status_code == 409, confirmed.text
    problem = confirmed.json()
    assert problem["code"] == "contact_taken"
    assert (problem["errors"][0]["field"], problem["errors"][0]["code"]) == ("email", "taken")
