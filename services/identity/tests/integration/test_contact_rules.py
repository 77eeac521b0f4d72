"""Contacts from the security review: recovery only through verified contacts, unverified
claims released after a while to whoever proves the contact (no squatting), and a login
contact changes only with the current password or a fresh login."""

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
from identity.staff import service as staff
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


async def age_claims(database: Database, user_id: uuid.UUID, hours: int) -> None:
    """Move an account's contact claims, and the codes and links sent for them, into the past."""
    async with database.transaction() as session:
        for statement in (
            "UPDATE users SET email_claimed_at = email_claimed_at - make_interval(hours => :h), "
            "mobile_claimed_at = mobile_claimed_at - make_interval(hours => :h) WHERE id = :u",
            "UPDATE activation_links SET created_at = created_at - make_interval(hours => :h) "
            "WHERE user_id = :u",
            "UPDATE verification_codes SET created_at = created_at - make_interval(hours => :h) "
            "WHERE user_id = :u",
        ):
            await session.execute(text(statement), {"u": user_id, "h": hours})


async def contacts_of(database: Database, user_id: uuid.UUID) -> tuple[str | None, str | None]:
    async with database.transaction() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return user.email, user.mobile


async def test_a_stale_claim_is_released_only_when_the_newcomer_proves_the_contact(
    identity_db: Database, make_person: Any, outbox: Any
) -> None:
    cfg = IdentitySettings(unverified_contact_hold_hours=24)
    squatter = make_person()
    squatted = await register(identity_db, squatter, cfg)
    owner_person = make_person()
    owner = await register(identity_db, owner_person, cfg)
    await age_claims(identity_db, squatted.id, 25)
    # Registering proves nothing (anyone can type an address): even a stale claim stands.
    newcomer = make_person()
    newcomer.email = squatter.email
    with pytest.raises(ContactTaken):
        await register(identity_db, newcomer, cfg)
    # Asking for a change sends the code, but the stale claim stays until it comes back ...
    async with identity_db.transaction() as session:
        await contacts.request_email_change(
            session,
            OUTBOX,
            cfg,
            user_id=str(owner.id),
            email=squatter.email,
            ip=fresh_ip(),
            current_password=owner_person.password,
        )
    async with identity_db.transaction() as session:
        await contacts.request_mobile_change(
            session,
            OUTBOX,
            cfg,
            user_id=str(owner.id),
            mobile=squatter.mobile,
            ip=fresh_ip(),
            current_password=owner_person.password,
        )
    assert await contacts_of(identity_db, squatted.id) == (squatter.email, squatter.mobile)
    # ... and is released once the newcomer proves the contact with its code.
    async with identity_db.transaction() as session:
        changed, error = await contacts.confirm_email_change(
            session,
            OUTBOX,
            cfg,
            user_id=str(owner.id),
            email=squatter.email,
            code=await outbox.code(squatter.email, "change_email"),
        )
    assert error is None and changed is not None and changed.email == squatter.email
    async with identity_db.transaction() as session:
        changed, error = await contacts.confirm_mobile_change(
            session,
            OUTBOX,
            cfg,
            user_id=str(owner.id),
            mobile=squatter.mobile,
            code=await outbox.code(squatter.mobile, "change_mobile"),
        )
    assert error is None and changed is not None and changed.mobile == squatter.mobile
    assert await contacts_of(identity_db, squatted.id) == (None, None)


async def test_a_fresh_or_verified_claim_is_never_released(
    identity_db: Database, make_person: Any
) -> None:
    cfg = IdentitySettings(unverified_contact_hold_hours=24)
    holder = make_person()
    held = await register(identity_db, holder, cfg)
    owner_person = make_person()
    owner = await register(identity_db, owner_person, cfg)

    async def claim_email(now: Any) -> Any:
        async with identity_db.transaction() as session:
            return await contacts.request_email_change(
                session,
                OUTBOX,
                cfg,
                user_id=str(owner.id),
                email=holder.email,
                ip=fresh_ip(),
                current_password=owner_person.password,
                now=now,
            )

    with pytest.raises(ContactTaken):  # within the hold
        await claim_email(utcnow() + timedelta(hours=23))
    async with identity_db.transaction() as session:
        await session.execute(update(User).where(User.id == held.id).values(email_verified=True))
    with pytest.raises(ContactTaken):  # verified
        await claim_email(utcnow() + timedelta(days=400))
    assert (await contacts_of(identity_db, held.id))[0] == holder.email


async def test_a_staff_address_without_a_password_is_never_released(
    identity_db: Database, make_person: Any
) -> None:
    """Staff (and the first admin) set their first password through their unverified
    address: nobody else can take it meanwhile, however long it waits."""
    cfg = IdentitySettings(unverified_contact_hold_hours=24)
    email = f"staff{uuid.uuid4().hex[:10]}@example.com"
    async with identity_db.transaction() as session:
        staff_user = await staff.create_staff(
            session,
            OUTBOX,
            actor="system",
            actor_is_admin=True,
            role="reviewer",
            email=email,
            username=f"s{uuid.uuid4().hex[:10]}",
            institution_id=None,
        )
    await age_claims(identity_db, staff_user.id, 400 * 24)
    owner_person = make_person()
    owner = await register(identity_db, owner_person, cfg)
    with pytest.raises(ContactTaken):
        async with identity_db.transaction() as session:
            await contacts.request_email_change(
                session,
                OUTBOX,
                cfg,
                user_id=str(owner.id),
                email=email,
                ip=fresh_ip(),
                current_password=owner_person.password,
            )
    assert (await contacts_of(identity_db, staff_user.id))[0] == email


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
