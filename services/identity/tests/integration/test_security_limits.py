"""Limits from the security review, enforced in the database: one login counter per
account, decaying counters, activation-link, registration and real-name caps, and face
results bound to the account holder."""

import json
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update

from educert_common.db import Database, utcnow
from educert_common.errors import DomainError
from educert_common.events.outbox import Outbox
from identity.accounts import recovery, registration
from identity.accounts.models import User
from identity.accounts.schemas import RegistrationRequest
from identity.config import IdentitySettings
from identity.crypto import secrets_for
from identity.exceptions import (
    CaptchaRequired,
    CodeRateLimited,
    InvalidCredentials,
    LoginLocked,
    RealnameAttemptsExceeded,
    RealnameIpLimited,
    RegistrationRateLimited,
)
from identity.face import service as face
from identity.face.signing import sign
from identity.limits.service import count_and_check
from identity.models import messaging
from identity.realname import service as realname
from identity.realname.registry import Answer, Outcome, RegistryTemporarilyUnavailable
from identity.sessions import service as sessions
from identity.sessions.models import LoginThrottle
from identity.sessions.repository import lock_key, reserve_attempt
from identity.verification import service as verification
from identity.verification.models import Purpose

OUTBOX = Outbox(messaging, source="identity")


def fresh_ip() -> str:
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250}"


async def registered(
    database: Database, person: Any, cfg: IdentitySettings, *, verified: bool = True
) -> User:
    async with database.transaction() as session:
        done = await registration.register(
            session, OUTBOX, cfg, RegistrationRequest(**person.registration()), ip=fresh_ip()
        )
        user_id = done.user.id
    if verified:
        async with database.transaction() as session:
            await session.execute(
                update(User)
                .where(User.id == user_id)
                .values(mobile_verified=True, email_verified=True)
            )
    async with database.transaction() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return user


async def attempt(
    database: Database,
    cfg: IdentitySettings,
    identifier: str,
    password: str,
    ip: str,
    *,
    device_token: str | None = None,
    captcha_token: str | None = None,
) -> Any:
    """One login as POST /login runs it: counted and committed first, then the password."""
    try:
        async with database.transaction() as session:
            counted = await sessions.begin_login(
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
            session, cfg, counted, password=password, ip=ip, user_agent=None
        )
    return error or pair


async def test_every_name_and_spelling_of_an_account_shares_one_counter(
    identity_db: Database, make_person: Any
) -> None:
    cfg = IdentitySettings(lockout_threshold=5)
    person = make_person()
    await registered(identity_db, person, cfg)
    m = person.mobile
    spellings = [m, f"+86{m}", f"{m[:3]} {m[3:7]} {m[7:]}", person.email.upper(), person.username]
    for identifier in spellings:
        assert isinstance(
            await attempt(identity_db, cfg, identifier, "Wrong123x", fresh_ip()), InvalidCredentials
        )
    # Five failures across five names from five addresses: every name of the account now
    # needs a captcha from a device the account does not know.
    for identifier in (m, person.email, f"0086{m}"):
        result = await attempt(identity_db, cfg, identifier, person.password, fresh_ip())
        assert isinstance(result, CaptchaRequired), identifier
        assert result.status == 429 and result.errors[0].field == "captcha_token"


async def test_unknown_spellings_share_a_counter_and_answer_like_known_ones(
    identity_db: Database,
) -> None:
    cfg = IdentitySettings(lockout_threshold=3)
    number = f"1370{uuid.uuid4().int % 10**7:07d}"
    for identifier in (number, f"+86{number}", f"{number[:3]}-{number[3:7]}-{number[7:]}"):
        result = await attempt(identity_db, cfg, identifier, "Wrong123x", fresh_ip())
        assert isinstance(result, InvalidCredentials)
    assert isinstance(await attempt(identity_db, cfg, number, "x", fresh_ip()), CaptchaRequired)


async def test_success_clears_the_account_counter(identity_db: Database, make_person: Any) -> None:
    cfg = IdentitySettings(lockout_threshold=3)
    person = make_person()
    user = await registered(identity_db, person, cfg)
    for _ in range(2):
        await attempt(identity_db, cfg, person.email, "Wrong123x", fresh_ip())
    assert not isinstance(
        await attempt(identity_db, cfg, person.mobile, person.password, fresh_ip()), Exception
    )
    async with identity_db.transaction() as session:
        assert await session.get(LoginThrottle, f"account:user:{user.id}") is None
    for _ in range(2):  # counting starts again
        assert isinstance(
            await attempt(identity_db, cfg, person.email, "Wrong123x", fresh_ip()),
            InvalidCredentials,
        )


async def test_counters_decay_so_one_guess_an_hour_never_locks(identity_db: Database) -> None:
    key = f"account:test-{uuid.uuid4().hex}"
    window = timedelta(minutes=15)
    start = utcnow()
    for hour in range(24):
        async with identity_db.transaction() as session:
            counted = await reserve_attempt(
                session, key, start + timedelta(hours=hour), window=window
            )
        assert counted.failures == 1 and counted.locked_until is None
    # Quick failures add up ...
    now = start + timedelta(days=2)
    for n in range(1, 8):
        async with identity_db.transaction() as session:
            counted = await reserve_attempt(session, key, now + timedelta(seconds=n), window=window)
    assert counted.failures == 7
    # ... a locked key counts nothing while the lock lasts ...
    async with identity_db.transaction() as session:
        await lock_key(session, key, now + timedelta(minutes=5))
        counted = await reserve_attempt(session, key, now + timedelta(seconds=8), window=window)
    assert counted.failures == 7 and counted.locked_until == now + timedelta(minutes=5)
    # ... and a failure after a quiet window starts from one again.
    async with identity_db.transaction() as session:
        counted = await reserve_attempt(session, key, now + timedelta(minutes=30), window=window)
    assert counted.failures == 1 and counted.locked_until is None


async def test_address_counter_decays_too(identity_db: Database) -> None:
    cfg = IdentitySettings(lockout_ip_threshold=2, lockout_window_seconds=900)
    ip = fresh_ip()
    for _ in range(2):
        await attempt(identity_db, cfg, f"ghost{uuid.uuid4().hex[:8]}", "x", ip)
    assert isinstance(await attempt(identity_db, cfg, "ghost", "x", ip), LoginLocked)
    async with identity_db.transaction() as session:  # an hour passes
        await session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == f"ip:{ip}")
            .values(
                last_failure_at=utcnow() - timedelta(hours=1),
                locked_until=utcnow() - timedelta(minutes=1),
            )
        )
    assert isinstance(await attempt(identity_db, cfg, "ghost", "x", ip), InvalidCredentials)
    async with identity_db.transaction() as session:
        row = await session.get(LoginThrottle, f"ip:{ip}")
        assert row is not None and row.failures == 1


async def link(database: Database, cfg: IdentitySettings, email: str, ip: str) -> None:
    async with database.transaction() as session:
        await verification.issue_activation_link(
            session, OUTBOX, cfg, user_id=uuid.uuid4(), email=email, ip=ip
        )


async def age_links(database: Database, email: str, seconds: int) -> None:
    async with database.transaction() as session:
        await session.execute(
            text(
                "UPDATE activation_links SET created_at = created_at - make_interval(secs => :s) "
                "WHERE email = :e"
            ),
            {"s": seconds, "e": email},
        )


async def test_activation_links_go_through_the_code_limiter(identity_db: Database) -> None:
    cfg = IdentitySettings(code_daily_cap_per_destination=2, code_daily_cap_per_ip=3)
    email, ip = f"l{uuid.uuid4().hex[:10]}@example.com", fresh_ip()
    await link(identity_db, cfg, email, ip)
    with pytest.raises(CodeRateLimited) as raised:  # resend interval
        await link(identity_db, cfg, email, ip)
    assert 55 <= int(raised.value.headers["Retry-After"]) <= 61
    await age_links(identity_db, email, 61)
    await link(identity_db, cfg, email, ip)
    await age_links(identity_db, email, 61)
    with pytest.raises(CodeRateLimited):  # 2 per address per day
        await link(identity_db, cfg, email, ip)
    await link(identity_db, cfg, f"o{uuid.uuid4().hex[:10]}@example.com", ip)  # 3rd from ip
    with pytest.raises(CodeRateLimited):  # 3 per client address per day
        await link(identity_db, cfg, f"p{uuid.uuid4().hex[:10]}@example.com", ip)


async def test_counted_limit_answers_429_with_retry_after(identity_db: Database) -> None:
    ip = fresh_ip()
    for _ in range(2):
        async with identity_db.transaction() as session:
            await count_and_check(
                session, kind="registration", key=ip, limit=2, error=RegistrationRateLimited
            )
    with pytest.raises(RegistrationRateLimited) as raised:
        async with identity_db.transaction() as session:
            await count_and_check(
                session, kind="registration", key=ip, limit=2, error=RegistrationRateLimited
            )
    assert raised.value.status == 429 and not raised.value.errors
    assert 86_000 < int(raised.value.headers["Retry-After"]) <= 86_401


class Mismatching:
    def __init__(self, failures: int = 0) -> None:
        self.failures = failures

    async def check(self, person: Any) -> Answer:
        if self.failures:
            self.failures -= 1
            raise RegistryTemporarilyUnavailable()
        return Answer(Outcome.MISMATCH, "real_name")


async def check_realname(
    database: Database, cfg: IdentitySettings, user: User, ip: str, registry: Any
) -> User:
    async with database.transaction() as session:
        return await realname.verify_realname(
            session,
            OUTBOX,
            cfg,
            user_id=str(user.id),
            ip=ip,
            registry_factory=lambda s, c: registry,
        )


async def test_realname_checks_are_capped_per_account(
    identity_db: Database, make_person: Any
) -> None:
    cfg = IdentitySettings(
        realname_daily_cap_per_account=3,
        registry_max_attempts=1,
        registry_backoff_seconds=0,
    )
    user = await registered(identity_db, make_person(), cfg, verified=False)
    # A registry outage (503) costs no attempt.
    from identity.exceptions import RegistryUnavailable

    with pytest.raises(RegistryUnavailable):
        await check_realname(identity_db, cfg, user, fresh_ip(), Mismatching(failures=1))
    for _ in range(3):  # under the cap the field that differs is told
        checked = await check_realname(identity_db, cfg, user, fresh_ip(), Mismatching())
        assert checked.realname_mismatch_field == "real_name"
    with pytest.raises(RealnameAttemptsExceeded) as raised:
        await check_realname(identity_db, cfg, user, fresh_ip(), Mismatching())
    assert raised.value.status == 429 and "operator" in str(raised.value.title.en)
    assert int(raised.value.headers["Retry-After"]) > 80_000


async def test_realname_checks_are_capped_per_address(
    identity_db: Database, make_person: Any
) -> None:
    cfg = IdentitySettings(realname_daily_cap_per_ip=2)
    ip = fresh_ip()
    for _ in range(2):
        user = await registered(identity_db, make_person(), cfg, verified=False)
        await check_realname(identity_db, cfg, user, ip, Mismatching())
    user = await registered(identity_db, make_person(), cfg, verified=False)
    with pytest.raises(RealnameIpLimited):
        await check_realname(identity_db, cfg, user, ip, Mismatching())


async def callback(
    database: Database, cfg: IdentitySettings, session_id: uuid.UUID, id_number_hash: str
) -> face.FaceSession:
    body = json.dumps(
        {
            "session_id": str(session_id),
            "challenge": face._challenge(cfg, session_id),
            "result": "pass",
            "entry_exit_records": [{"direction": "exit", "date": "2020-01-01"}],
            "id_number_hash": id_number_hash,
        }
    ).encode()
    ts, nonce = str(int(time.time())), uuid.uuid4().hex
    async with database.transaction() as session:
        return await face.handle_callback(
            session,
            cfg,
            timestamp=ts,
            nonce=nonce,
            signature=sign(secrets_for(cfg).face_key, ts, nonce, body),
            body=body,
        )


async def test_face_passes_only_for_the_account_holder(
    identity_db: Database, make_person: Any
) -> None:
    cfg = IdentitySettings()
    holder = make_person()
    user = await registered(identity_db, holder, cfg)
    index = secrets_for(cfg).id_index
    async with identity_db.transaction() as session:
        mine = (await face.start(session, cfg, user_id=str(user.id))).id
        theirs = (await face.start(session, cfg, user_id=str(user.id))).id
    someone_else = make_person().id_number
    failed = await callback(identity_db, cfg, theirs, index.of(someone_else))
    assert failed.status == "failed" and failed.failure_reason == "person_mismatch"
    assert failed.entry_exit_records is None
    passed = await callback(identity_db, cfg, mine, index.of(holder.id_number))
    assert passed.status == "passed" and passed.failure_reason is None
    async with identity_db.transaction() as session:
        latest = await face.latest_passed(session, user_id=user.id)
        assert latest.id == mine
        rows = (
            await session.execute(
                select(face.FaceSession.status).where(face.FaceSession.id == theirs)
            )
        ).scalar_one()
        assert rows == "failed"


def fresh_ipv6_subnet() -> str:
    """A random /64 as the prefix of its addresses (`<prefix>::1`, `<prefix>:ffff::2`)."""
    n = uuid.uuid4().int
    return f"2001:db8:{n % 0xFFFF:x}:{(n >> 16) % 0xFFFF:x}"


async def test_addresses_of_one_ipv6_subnet_share_the_code_cap(identity_db: Database) -> None:
    cfg = IdentitySettings(code_daily_cap_per_ip=2)
    subnet = fresh_ipv6_subnet()
    await link(identity_db, cfg, f"a{uuid.uuid4().hex[:10]}@example.com", f"{subnet}::1")
    await link(identity_db, cfg, f"b{uuid.uuid4().hex[:10]}@example.com", f"{subnet}:1::2")
    with pytest.raises(CodeRateLimited):  # a third address of the same /64
        await link(identity_db, cfg, f"c{uuid.uuid4().hex[:10]}@example.com", f"{subnet}:ff::3")
    # Another /64 has its own budget.
    await link(
        identity_db, cfg, f"d{uuid.uuid4().hex[:10]}@example.com", f"{fresh_ipv6_subnet()}::1"
    )


async def test_addresses_of_one_ipv6_subnet_share_the_registration_cap(
    identity_db: Database,
) -> None:
    cfg = IdentitySettings(registration_daily_cap_per_ip=2)
    subnet = fresh_ipv6_subnet()
    for address in (f"{subnet}::1", f"{subnet}:abcd::2"):
        async with identity_db.transaction() as session:
            await registration.count_registration(session, cfg, ip=address)
    with pytest.raises(RegistrationRateLimited):
        async with identity_db.transaction() as session:
            await registration.count_registration(session, cfg, ip=f"{subnet}::ffff")


async def counted_on(database: Database, cfg: IdentitySettings, person: Any, token: str) -> str:
    """The key a login with `token` is counted on ("device:..." for a known device)."""
    async with database.transaction() as session:
        counted = await sessions.begin_login(
            session, cfg, identifier=person.email, ip=fresh_ip(), device_token=token
        )
        return counted.key


async def test_a_device_token_from_before_a_password_reset_is_unknown(
    identity_db: Database, make_person: Any, outbox: Any
) -> None:
    cfg = IdentitySettings()
    person = make_person()
    await registered(identity_db, person, cfg)
    pair = await attempt(identity_db, cfg, person.email, person.password, fresh_ip())
    assert pair.device_token
    assert (await counted_on(identity_db, cfg, person, pair.device_token)).startswith("device:")
    async with identity_db.transaction() as session:
        await recovery.request_recovery_code(
            session,
            OUTBOX,
            cfg,
            purpose=Purpose.RESET_PASSWORD,
            raw_destination=person.mobile,
            ip=fresh_ip(),
        )
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
    assert error is None and reset is not None
    # Whoever kept the old device token is an unknown device now: counted on the account.
    assert (await counted_on(identity_db, cfg, person, pair.device_token)).startswith("account:")


async def test_device_tokens_expire(identity_db: Database, make_person: Any) -> None:
    cfg = IdentitySettings(device_token_ttl_days=90)
    person = make_person()
    user = await registered(identity_db, person, cfg)
    pair = await attempt(identity_db, cfg, person.email, person.password, fresh_ip())
    now = utcnow()
    assert sessions.device_of(cfg, user, pair.device_token, now=now + timedelta(days=89))
    assert sessions.device_of(cfg, user, pair.device_token, now=now + timedelta(days=91)) is None
