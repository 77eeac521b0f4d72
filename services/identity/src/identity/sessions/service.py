"""Login, refresh-token rotation, logout and session management. Functions flush only."""

import base64
import hmac
import logging
import re
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from hashlib import sha256

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.crypto import constant_time_equals, random_token
from educert_common.db import utcnow
from educert_common.errors import DomainError, FieldError, NotFound, Text
from educert_common.events.outbox import Outbox
from educert_common.http.client_ip import address_key
from identity import service as keys
from identity.accounts import passwords
from identity.accounts.models import AccountStatus, User
from identity.accounts.repository import UserRepository
from identity.base import audit
from identity.captcha import service as captcha
from identity.config import IdentitySettings
from identity.crypto import secrets_for, sha256_hex
from identity.exceptions import (
    CaptchaRequired,
    InvalidCredentials,
    LoginLocked,
    RefreshTokenInvalid,
)
from identity.revocations.service import revoke_credentials
from identity.sessions.models import LoginSession, RefreshToken
from identity.sessions.repository import (
    RefreshTokenRepository,
    SessionRepository,
    ThrottleRepository,
    lock_key,
    release_attempt,
    reserve_attempt,
)

logger = logging.getLogger(__name__)

MAINLAND_MOBILE = re.compile(r"^(?:\+86|0086)?(1[3-9]\d{9})$")
DEVICE_TOKEN_VERSION = "d2"
DEVICE_ID = re.compile(r"[0-9a-f]{32}")
ISSUED_AT = re.compile(r"[0-9]{1,12}")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    session_id: uuid.UUID
    # Set on a password login: the device token to send with the next login.
    device_token: str | None = None


def normalise_login(identifier: str) -> tuple[str, str]:
    """(kind, value) of a login name, normalised exactly as the account lookup does."""
    value = identifier.strip()
    if "@" in value:
        return "email", value.lower()
    if match := MAINLAND_MOBILE.fullmatch(re.sub(r"[\s\-]", "", value)):
        return "mobile", match.group(1)
    return "username", value.lower()


def account_throttle_key(
    identifier: str, settings: IdentitySettings, user: User | None = None
) -> str:
    """Throttle key of a login: the account when the name resolves to one (its e-mail,
    mobile and username share one counter), otherwise a keyed hash of the normalised name,
    so the table holds no contacts and spelling variants share a counter."""
    if user is not None:
        return f"account:user:{user.id}"
    kind, value = normalise_login(identifier)
    digest = hmac.new(
        secrets_for(settings).code_key, f"{kind}:{value}".encode(), sha256
    ).hexdigest()
    return f"account:{digest[:48]}"


async def resolve_login(session: AsyncSession, identifier: str) -> User | None:
    """Find the account for an e-mail (verified), mainland mobile (verified) or username."""
    kind, value = normalise_login(identifier)
    users = UserRepository(session)
    user: User | None
    if kind == "email":
        user = await users.by_email(value)
        if user is not None and not user.email_verified:
            return None
    elif kind == "mobile":
        user = await users.by_mobile(value)
        if user is not None and not user.mobile_verified:
            return None
    else:
        user = await users.by_username(value)
    if user is None or user.status != AccountStatus.ACTIVE:
        return None
    return user


def _user_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound() from None


async def _start_session(
    session: AsyncSession,
    settings: IdentitySettings,
    user: User,
    *,
    ip: str,
    user_agent: str | None,
) -> TokenPair:
    now = utcnow()
    login = LoginSession(
        id=uuid.uuid4(),
        user_id=user.id,
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(days=settings.refresh_token_ttl_days),
        ip=ip,
        user_agent=(user_agent or "")[:200] or None,
    )
    await SessionRepository(session).add(login)
    return await _tokens_for(session, settings, user, login)


async def _tokens_for(
    session: AsyncSession, settings: IdentitySettings, user: User, login: LoginSession
) -> TokenPair:
    refresh = random_token(32)
    await RefreshTokenRepository(session).add(
        RefreshToken(id=uuid.uuid4(), session_id=login.id, token_hash=sha256_hex(refresh))
    )
    access = await keys.issue_access_token(
        session,
        subject=str(user.id),
        roles=user.roles,
        institution=user.institution_id,
        ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        settings=settings,
        extra_claims={"sid": str(login.id)},
    )
    remaining = int((login.expires_at - utcnow()).total_seconds())
    return TokenPair(access, settings.access_token_ttl_seconds, refresh, remaining, login.id)


def _password_version(user: User) -> str:
    """What changes with every password change: its time, to the microsecond."""
    changed = user.password_changed_at
    return "none" if changed is None else str((changed - EPOCH) // timedelta(microseconds=1))


def _device_signature(
    settings: IdentitySettings, user: User, device_id: str, issued_at: str
) -> str:
    message = (
        f"{DEVICE_TOKEN_VERSION}.{user.id}.{device_id}.{issued_at}.{_password_version(user)}"
    ).encode()
    digest = hmac.new(secrets_for(settings).device_key, message, sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue_device_token(settings: IdentitySettings, user: User) -> str:
    """A device token for a successful login (OWASP's "device cookie"): signed, bound to the
    account, its current password and its issue time, so failures from this device are
    counted on the device, not the account, until the password changes or
    `device_token_ttl_days` pass."""
    device_id = uuid.uuid4().hex
    issued_at = str(int(utcnow().timestamp()))
    signature = _device_signature(settings, user, device_id, issued_at)
    return f"{DEVICE_TOKEN_VERSION}.{device_id}.{issued_at}.{signature}"


def device_of(
    settings: IdentitySettings,
    user: User | None,
    token: str | None,
    *,
    now: datetime | None = None,
) -> str | None:
    """The device id of a valid token of this account; None for anything else (unknown):
    another account's, forged, older than `device_token_ttl_days`, or issued before the
    account's password last changed."""
    if user is None or not token:
        return None
    parts = token.strip().split(".")
    if (
        len(parts) != 4
        or parts[0] != DEVICE_TOKEN_VERSION
        or not DEVICE_ID.fullmatch(parts[1])
        or not ISSUED_AT.fullmatch(parts[2])
    ):
        return None
    if not constant_time_equals(_device_signature(settings, user, parts[1], parts[2]), parts[3]):
        return None
    issued_at = datetime.fromtimestamp(int(parts[2]), tz=UTC)
    age = (now or utcnow()) - issued_at
    if age > timedelta(days=settings.device_token_ttl_days) or age < -timedelta(minutes=5):
        return None
    return parts[1]


@dataclass(frozen=True)
class LoginAttempt:
    """A login attempt already counted as a failure on its keys, before the password check."""

    user_id: uuid.UUID | None
    # The key the attempt is counted on besides the address: the caller's known device of
    # this account ("device:<id>") or, for any other client, the account ("account:...").
    key: str
    ip_key: str
    device_token: str | None


def _lock_delay(settings: IdentitySettings, failures: int, threshold: int) -> timedelta:
    seconds = settings.lockout_base_seconds * 2 ** min(failures - threshold, 20)
    return timedelta(seconds=min(seconds, settings.lockout_max_seconds))


async def begin_login(
    session: AsyncSession,
    settings: IdentitySettings,
    *,
    identifier: str,
    ip: str,
    device_token: str | None = None,
    captcha_token: str | None = None,
) -> LoginAttempt:
    """Count the attempt before anyone looks at the password, or refuse it.

    Counted as a failure on the client address and on the device (a valid device token of
    the account) or else the account, in one short transaction the caller commits before
    checking the password: parallel guesses are counted one after the other, so a burst of
    any size gets at most the allowed number of password checks. A refused attempt raises
    (the caller's transaction rolls back, so it is not counted).

    - address: `lockout_ip_threshold` failures lock it, with a growing delay;
    - known device: `lockout_threshold` failures lock that device only;
    - account, from unknown devices: past `lockout_threshold` failures every attempt needs
      a solved captcha (`captcha_token`); nothing an attacker does from elsewhere locks the
      owner's known device.
    """
    now = utcnow()
    window = timedelta(seconds=settings.lockout_window_seconds)
    # Resolve first: every name of one account (and every spelling of it) shares a counter.
    user = await resolve_login(session, identifier)
    device_id = device_of(settings, user, device_token)
    key = f"device:{device_id}" if device_id else account_throttle_key(identifier, settings, user)
    # Always the same order (the name's key, then the address), so concurrent logins cannot
    # deadlock on each other's rows.
    counted = await reserve_attempt(session, key, now, window=window)
    address = await reserve_attempt(session, f"ip:{address_key(ip)}", now, window=window)
    locked_until = max(
        (r.locked_until for r in (counted, address) if r.locked_until is not None), default=None
    )
    if locked_until is not None:
        wait = int((locked_until - now).total_seconds()) + 1
        raise LoginLocked(headers={"Retry-After": str(wait)})
    if device_id is not None:
        if counted.failures >= settings.lockout_threshold:
            until = now + _lock_delay(settings, counted.failures, settings.lockout_threshold)
            await lock_key(session, key, until)
    elif counted.failures > settings.lockout_threshold and not await captcha.spend_pass(
        session, settings, captcha_token
    ):
        raise CaptchaRequired(
            errors=[FieldError("captcha_token", "captcha_required", CaptchaRequired.title)]
        )
    if address.failures >= settings.lockout_ip_threshold:
        until = now + _lock_delay(settings, address.failures, settings.lockout_ip_threshold)
        await lock_key(session, address.key, until)
    return LoginAttempt(
        user_id=user.id if user is not None else None,
        key=key,
        ip_key=address.key,
        device_token=device_token.strip() if device_id and device_token else None,
    )


async def finish_login(
    session: AsyncSession,
    settings: IdentitySettings,
    attempt: LoginAttempt,
    *,
    password: str,
    ip: str,
    user_agent: str | None,
) -> tuple[TokenPair | None, DomainError | None]:
    """Check the password of a counted attempt; on success take the failure back and start
    a session (with a device token for next time).

    The answer never says whether the account exists: an unknown name costs a dummy argon2
    verification and the same 401. A failure is returned (not raised) so the caller commits
    the audit entry before answering.
    """
    user = await UserRepository(session).get(attempt.user_id) if attempt.user_id else None
    if user is not None and user.status != AccountStatus.ACTIVE:
        user = None
    stored = user.password_hash if user is not None else None
    if not await passwords.verify_password(stored, password, settings) or user is None:
        await audit(
            session,
            actor=f"ip:{ip}",
            action="login.failed",
            subject_type="login",
            subject_id=attempt.key,
        )
        return None, InvalidCredentials()
    throttles = ThrottleRepository(session)
    # The device's (or, from an unknown device, the account's) counter starts again; the
    # address keeps its other failures (a login to one's own account must not reset them).
    await throttles.clear(attempt.key)
    await release_attempt(session, attempt.ip_key)
    assert stored is not None
    if passwords.needs_rehash(stored, settings):
        # Parameters changed since this hash was made: upgrade it while the password is known.
        user.password_hash = await passwords.hash_password(password, settings)
        logger.info("password rehashed", extra={"user_id": str(user.id)})
    pair = await _start_session(session, settings, user, ip=ip, user_agent=user_agent)
    await audit(
        session,
        actor=str(user.id),
        action="login.succeeded",
        subject_type="session",
        subject_id=pair.session_id,
        after={"ip": ip, "known_device": attempt.device_token is not None},
    )
    device_token = attempt.device_token or issue_device_token(settings, user)
    return replace(pair, device_token=device_token), None


async def refresh(
    session: AsyncSession, outbox: Outbox, settings: IdentitySettings, *, refresh_token: str
) -> tuple[TokenPair | None, DomainError | None]:
    """Rotate a refresh token; presenting a spent one revokes its whole family (session)."""
    now = utcnow()
    tokens = RefreshTokenRepository(session)
    row = await tokens.by_hash_for_update(sha256_hex(refresh_token.strip()))
    if row is None:
        return None, RefreshTokenInvalid()
    sessions = SessionRepository(session)
    login_session = await sessions.get(row.session_id)
    if login_session is None or login_session.revoked_at is not None:
        return None, RefreshTokenInvalid()
    if login_session.expires_at <= now:
        return None, RefreshTokenInvalid()
    if row.used_at is not None:
        # A spent token came back: someone holds a copy. End the family for everyone.
        if await sessions.revoke(login_session.id, now, "refresh_reuse"):
            # The thief may hold an access token of this family too: end it everywhere.
            await revoke_credentials(
                session,
                outbox,
                settings,
                kind="session",
                ids=[login_session.id],
                reason="refresh_reuse",
            )
        await audit(
            session,
            actor="system",
            action="session.refresh_reuse_revoked",
            subject_type="session",
            subject_id=login_session.id,
            after={"user_id": str(login_session.user_id)},
        )
        logger.warning(
            "refresh token reuse: session revoked",
            extra={"session_id": str(login_session.id), "user_id": str(login_session.user_id)},
        )
        return None, RefreshTokenInvalid()
    user = await UserRepository(session).get(login_session.user_id)
    if user is None or user.status != AccountStatus.ACTIVE:
        return None, RefreshTokenInvalid()
    row.used_at = now
    login_session.last_used_at = now
    await session.flush()
    return await _tokens_for(session, settings, user, login_session), None


async def logout(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    user_id: str,
    session_id: str | None,
) -> None:
    """End the caller's current session (its refresh and access tokens stop working)."""
    if session_id is None:
        return
    await revoke_session(
        session, outbox, settings, user_id=user_id, session_id=session_id, reason="logout"
    )


async def list_sessions(session: AsyncSession, *, user_id: str) -> list[LoginSession]:
    return list(await SessionRepository(session).active_of(_user_uuid(user_id), utcnow()))


async def revoke_session(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    user_id: str,
    session_id: str | uuid.UUID,
    reason: str,
) -> None:
    """Revoke one of the caller's sessions (someone else's is not found)."""
    try:
        sid = session_id if isinstance(session_id, uuid.UUID) else uuid.UUID(str(session_id))
    except ValueError:
        raise NotFound() from None
    repository = SessionRepository(session)
    found = await repository.owned(sid, _user_uuid(user_id))
    if found is None:
        raise NotFound(Text("No such session", "会话不存在"))
    if await repository.revoke(sid, utcnow(), reason):
        await revoke_credentials(
            session, outbox, settings, kind="session", ids=[sid], reason=reason
        )
    await audit(
        session, actor=user_id, action=f"session.{reason}", subject_type="session", subject_id=sid
    )


async def revoke_all_sessions(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    user_id: uuid.UUID,
    reason: str,
    keep: uuid.UUID | None = None,
) -> int:
    """Revoke every session of the user but `keep`, with their access tokens."""
    revoked = await SessionRepository(session).revoke_all(user_id, utcnow(), reason, keep)
    await revoke_credentials(session, outbox, settings, kind="session", ids=revoked, reason=reason)
    count = len(revoked)
    await audit(
        session,
        actor=str(user_id),
        action="sessions.revoked",
        subject_type="user",
        subject_id=user_id,
        after={"reason": reason, "count": count, "kept": str(keep) if keep else None},
    )
    return count
