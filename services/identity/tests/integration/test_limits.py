"""Limits enforced in the database: codes, lockouts, registry retries, API keys, rehashing."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text, update

from educert_common.db import Database, utcnow
from educert_common.events.outbox import Outbox
from identity.accounts.models import User
from identity.apikeys import service as apikeys
from identity.config import IdentitySettings
from identity.exceptions import (
    ApiKeyRejected,
    CodeRateLimited,
    InvalidCredentials,
    LoginLocked,
    RegistryUnavailable,
)
from identity.models import messaging
from identity.realname.registry import Answer, Outcome, RegistryTemporarilyUnavailable
from identity.realname.service import ask_with_retries
from identity.verification import service as codes
from identity.verification.models import Purpose

OUTBOX = Outbox(messaging, source="identity")


def settings(**changes: Any) -> IdentitySettings:
    return IdentitySettings(**changes)


async def issue(database: Database, cfg: IdentitySettings, destination: str, ip: str) -> Any:
    async with database.transaction() as session:
        return await codes.issue_code(
            session,
            OUTBOX,
            cfg,
            purpose=Purpose.RESET_PASSWORD,
            channel="sms",
            destination=destination,
            ip=ip,
            user_id=None,
            deliver=False,
        )


async def age_codes(database: Database, destination: str, seconds: int) -> None:
    async with database.transaction() as session:
        await session.execute(
            text(
                "UPDATE verification_codes SET created_at = created_at - make_interval(secs => :s) "
                "WHERE destination = :d"
            ),
            {"s": seconds, "d": destination},
        )


async def test_resend_waits_and_daily_caps_per_number_and_ip(identity_db: Database) -> None:
    cfg = settings(code_daily_cap_per_destination=3, code_daily_cap_per_ip=4)
    number = f"137{uuid.uuid4().int % 10**8:08d}"
    ip = f"10.1.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    await issue(identity_db, cfg, number, ip)
    with pytest.raises(CodeRateLimited) as raised:
        await issue(identity_db, cfg, number, ip)
    assert 55 <= int(raised.value.headers["Retry-After"]) <= 61
    for _ in range(2):
        await age_codes(identity_db, number, 61)
        await issue(identity_db, cfg, number, ip)
    await age_codes(identity_db, number, 61)
    with pytest.raises(CodeRateLimited):  # 3 per number per day
        await issue(identity_db, cfg, number, ip)
    other = f"136{uuid.uuid4().int % 10**8:08d}"
    await issue(identity_db, cfg, other, ip)  # 4th from this address
    with pytest.raises(CodeRateLimited):  # 4 per address per day
        await issue(identity_db, cfg, f"135{uuid.uuid4().int % 10**8:08d}", ip)


async def test_code_is_single_use_with_five_attempts(identity_db: Database) -> None:
    cfg = settings()
    number = f"133{uuid.uuid4().int % 10**8:08d}"
    async with identity_db.transaction() as session:
        await codes.issue_code(
            session,
            OUTBOX,
            cfg,
            purpose=Purpose.FIND_USERNAME,
            channel="sms",
            destination=number,
            ip="10.9.9.9",
            user_id=uuid.uuid4(),
        )
    async with identity_db.transaction() as session:
        payload = (
            await session.execute(
                text(
                    "SELECT payload FROM outbox_events WHERE payload->'data'->>'destination' = :d"
                ),
                {"d": number},
            )
        ).scalar_one()
    code = payload["data"]["code"]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        async with identity_db.transaction() as session:
            _, error = await codes.check_code(
                session, cfg, purpose=Purpose.FIND_USERNAME, destination=number, code=wrong
            )
        assert error is not None and error.errors[0].code == "code_invalid"
    async with identity_db.transaction() as session:
        _, error = await codes.check_code(
            session, cfg, purpose=Purpose.FIND_USERNAME, destination=number, code=code
        )
    # Even the right code is refused after five wrong guesses.
    assert error is not None and error.errors[0].code == "code_attempts_exceeded"


async def test_login_locks_per_address_with_growing_delay(
    identity_db: Database, attempt_login: Any
) -> None:
    cfg = settings(lockout_ip_threshold=3, lockout_base_seconds=60)
    ip = f"10.2.{uuid.uuid4().int % 250}.1"
    for n in range(3):
        error = await attempt_login(identity_db, cfg, f"ghost{n}{uuid.uuid4().hex[:6]}", "x", ip)
        assert isinstance(error, InvalidCredentials)
    error = await attempt_login(identity_db, cfg, "anyone", "x", ip)
    assert isinstance(error, LoginLocked)
    first_wait = int(error.headers["Retry-After"])
    assert 55 <= first_wait <= 61
    # The delay doubles with the next failure (simulate the lock having passed).
    from identity.sessions.models import LoginThrottle

    async with identity_db.transaction() as session:
        await session.execute(
            update(LoginThrottle).where(LoginThrottle.key == f"ip:{ip}").values(locked_until=None)
        )
    assert isinstance(await attempt_login(identity_db, cfg, "anyone", "x", ip), InvalidCredentials)
    error = await attempt_login(identity_db, cfg, "anyone", "x", ip)
    assert isinstance(error, LoginLocked) and int(error.headers["Retry-After"]) > 110


async def test_old_hash_parameters_are_upgraded_at_login(
    identity_db: Database, attempt_login: Any
) -> None:
    cfg = settings()
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("Legacy123pw")
    user = User(
        id=uuid.uuid4(),
        username=f"legacy{uuid.uuid4().hex[:8]}",
        password_hash=old,
        roles=["applicant"],
        status="active",
        email_verified=False,
        mobile_verified=False,
        mobile_is_mainland=False,
        id_holder=False,
        realname_status="unverified",
        realname_attempts=0,
        locale="zh",
    )
    async with identity_db.transaction() as session:
        session.add(user)
    pair = await attempt_login(identity_db, cfg, user.username or "", "Legacy123pw", "10.3.0.1")
    assert not isinstance(pair, Exception)
    async with identity_db.transaction() as session:
        stored = (await session.get(User, user.id)).password_hash  # type: ignore[union-attr]
    assert stored != old and "m=19456,t=2,p=1" in (stored or "")


class FlakyRegistry:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def check(self, person: Any) -> Answer:
        self.calls += 1
        if self.calls <= self.failures:
            raise RegistryTemporarilyUnavailable()
        return Answer(Outcome.MATCH)


async def test_registry_retries_with_backoff_then_reports_try_later() -> None:
    cfg = settings(registry_max_attempts=3, registry_backoff_seconds=0.001)
    flaky = FlakyRegistry(failures=2)
    assert (await ask_with_retries(flaky, None, cfg)).outcome == Outcome.MATCH  # type: ignore[arg-type]
    assert flaky.calls == 3
    down = FlakyRegistry(failures=10)
    with pytest.raises(RegistryUnavailable):
        await ask_with_retries(down, None, cfg)  # type: ignore[arg-type]
    assert down.calls == 3


async def test_api_keys_rotate_with_overlap_and_revoke(identity_db: Database) -> None:
    cfg = settings()
    async with identity_db.transaction() as session:
        issued = await apikeys.issue(
            session,
            actor="op",
            name="registrar",
            institution_id="inst-1",
            scopes=["records:import"],
            expires_at=None,
        )
    assert issued.secret.startswith(f"ek_{issued.key.prefix}_")
    assert issued.secret not in str(issued.key.secret_hash)
    async with identity_db.transaction() as session:
        token, ttl = await apikeys.exchange(session, cfg, api_key=issued.secret)
    assert ttl == cfg.api_key_token_ttl_seconds and token.count(".") == 2
    async with identity_db.transaction() as session:
        successor = await apikeys.rotate(
            session, OUTBOX, cfg, actor="op", key_id=issued.key.id, overlap_hours=1
        )
    for key in (issued.secret, successor.secret):  # both work during the overlap
        async with identity_db.transaction() as session:
            await apikeys.exchange(session, cfg, api_key=key)
    async with identity_db.transaction() as session:
        old = await apikeys.get(session, issued.key.id)
        assert old.expires_at is not None and old.expires_at <= utcnow() + timedelta(hours=1)
        assert old.last_used_at is not None
        await apikeys.revoke(session, OUTBOX, cfg, actor="op", key_id=issued.key.id)
    with pytest.raises(ApiKeyRejected):
        async with identity_db.transaction() as session:
            await apikeys.exchange(session, cfg, api_key=issued.secret)
    tampered = successor.secret[:-2] + ("AA" if not successor.secret.endswith("AA") else "BB")
    with pytest.raises(ApiKeyRejected):
        async with identity_db.transaction() as session:
            await apikeys.exchange(session, cfg, api_key=tampered)
