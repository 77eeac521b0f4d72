"""Contacts from the security review: recovery only through verified contacts, unverified
claims released after a while (no squatting), and a login contact changes only with the
current password or a fresh login."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text, update

from educert_common.db import Database, utcnow
from educert_common.events.outbox import Outbox
from identity.accounts import contacts, recovery, registration
from identity.accounts.models import User
from identity.accounts.schemas import RegistrationRequest
from identity.config import IdentitySettings
from identity.exceptions import ContactTaken, InvalidCredentials, ReauthenticationRequired
from identity.models import messaging
from identity.sessions.models import LoginSession
from identity.verification.models import Purpose

OUTBOX = Outbox(messaging, source="identity")


def fresh_ip() -> str:
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250}"


async def register(database: Database, person: Any, cfg: IdentitySettings, **kw: Any) -> User:
    async with database.transaction() as session:
        done = await registration.register(
            session, OUTBOX, cfg, RegistrationRequest(**person.registration()), ip=fresh_ip(), **kw
        )
        return done.user


async def reset_codes_sent(database: Database, destination: str) -> int:
    async with database.transaction() as session:
        return int(
            await session.scalar(
                text(
                    "SELECT count(*) FROM outbox_events WHERE event_type = "
                    "'identity.verification_code.issued' AND payload->'data'->>'destination' = :d "
                    "AND payload->'data'->>'purpose' = 'reset_password'"
                ),
                {"d": destination},
            )
            or 0
        )


async def test_recovery_goes_only_to_verified_contacts(
    identity_db: Database, make_person: Any, outbox: Any
) -> None:
    cfg = IdentitySettings()
    person = make_person()
    user = await register(identity_db, person, cfg)
    async with identity_db.transaction() as session:  # the mobile is verified, the e-mail not
        await session.execute(update(User).where(User.id == user.id).values(mobile_verified=True))
    for destination in (person.email, person.mobile):
        async with identity_db.transaction() as session:
            answer = await recovery.request_recovery_code(
                session,
                OUTBOX,
                cfg,
                purpose=Purpose.RESET_PASSWORD,
                raw_destination=destination,
                ip=fresh_ip(),
            )
        assert answer.expires_in == cfg.code_ttl_seconds  # the same answer either way
    # Whoever holds the unverified address gets nothing to reset the password with ...
    assert await reset_codes_sent(identity_db, person.email) == 0
    # ... the verified mobile does.
    code = await outbox.code(person.mobile, "reset_password")
    async with identity_db.transaction() as session:
        reset, error = await recovery.reset_password(
            session,
            OUTBOX,
            cfg,
            raw_destination=person.mobile,
            code=code,
            new_password="N3wPassw0rd",
        )
    assert error is None and reset is not None and reset.id == user.id


async def test_unverified_claims_are_released_after_the_hold(
    identity_db: Database, make_person: Any
) -> None:
    cfg = IdentitySettings(unverified_contact_hold_hours=24)
    squatter = make_person()
    squatted = await register(identity_db, squatter, cfg)
    owner = make_person()
    owner.email, owner.mobile = squatter.email, squatter.mobile
    # Within the hold the unverified claim stands ...
    with pytest.raises(ContactTaken):
        await register(identity_db, owner, cfg, now=utcnow() + timedelta(hours=23))
    # ... after it (the squatter registered, and was sent its code and link, 25 h ago), the
    # owner registers with their own address and number.
    async with identity_db.transaction() as session:
        for statement in (
            "UPDATE users SET email_claimed_at = email_claimed_at - interval '25 hours', "
            "mobile_claimed_at = mobile_claimed_at - interval '25 hours' WHERE id = :u",
            "UPDATE activation_links SET created_at = created_at - interval '25 hours' "
            "WHERE user_id = :u",
            "UPDATE verification_codes SET created_at = created_at - interval '25 hours' "
            "WHERE user_id = :u",
        ):
            await session.execute(text(statement), {"u": squatted.id})
    user = await register(identity_db, owner, cfg)
    assert user.email == owner.email and user.mobile == owner.mobile
    async with identity_db.transaction() as session:
        released = await session.get(User, squatted.id)
        assert released is not None and released.email is None and released.mobile is None
    # A verified contact is never released.
    holder = make_person()
    verified = await register(identity_db, holder, cfg)
    async with identity_db.transaction() as session:
        await session.execute(
            update(User).where(User.id == verified.id).values(email_verified=True)
        )
    late = make_person()
    late.email = holder.email
    with pytest.raises(ContactTaken):
        await register(identity_db, late, cfg, now=utcnow() + timedelta(days=400))


async def logged_in(database: Database, user: User, *, minutes_ago: int) -> str:
    now = utcnow()
    row = LoginSession(
        id=uuid.uuid4(),
        user_id=user.id,
        created_at=now - timedelta(minutes=minutes_ago),
        last_used_at=now,
        expires_at=now + timedelta(days=1),
    )
    async with database.transaction() as session:
        session.add(row)
    return str(row.id)


async def test_changing_a_login_contact_needs_the_password_or_a_fresh_login(
    identity_db: Database, make_person: Any
) -> None:
    cfg = IdentitySettings(contact_change_fresh_login_seconds=300)
    person = make_person()
    user = await register(identity_db, person, cfg)
    stale_session = await logged_in(identity_db, user, minutes_ago=30)
    fresh_session = await logged_in(identity_db, user, minutes_ago=1)

    async def change_email(**proof: Any) -> Any:
        async with identity_db.transaction() as session:
            return await contacts.request_email_change(
                session,
                OUTBOX,
                cfg,
                user_id=str(user.id),
                email=f"n{uuid.uuid4().hex[:10]}@example.com",
                ip=fresh_ip(),
                **proof,
            )

    async def change_mobile(**proof: Any) -> Any:
        async with identity_db.transaction() as session:
            return await contacts.request_mobile_change(
                session,
                OUTBOX,
                cfg,
                user_id=str(user.id),
                mobile=f"137{uuid.uuid4().int % 10**8:08d}",
                ip=fresh_ip(),
                **proof,
            )

    for change in (change_email, change_mobile):
        # A token of a session that logged in half an hour ago is not enough ...
        with pytest.raises(ReauthenticationRequired) as raised:
            await change(session_id=stale_session)
        assert raised.value.errors[0].field == "current_password"
        with pytest.raises(InvalidCredentials):
            await change(session_id=stale_session, current_password="Wrong123x")
        # ... the password is, and so is a login a minute ago.
        assert (await change(session_id=stale_session, current_password=person.password)).channel
        assert (await change(session_id=fresh_session)).channel
