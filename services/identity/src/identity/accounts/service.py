"""The account itself: loading the caller's own, announcing its contacts, and releasing
an unverified contact claim held too long. Functions flush only."""

import uuid
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import utcnow
from educert_common.errors import FieldError, NotFound, Text
from educert_common.events.catalogue import UserContactsChanged
from educert_common.events.outbox import Outbox
from educert_common.masking import mask_email, mask_mobile
from identity.accounts import passwords
from identity.accounts.models import AccountStatus, User
from identity.accounts.repository import UserRepository
from identity.base import audit
from identity.config import IdentitySettings
from identity.exceptions import InvalidCredentials, LoginLocked
from identity.limits.service import check_limit, count_action
from identity.sessions.service import revoke_all_sessions


async def get_user(session: AsyncSession, user_id: str | uuid.UUID, *, lock: bool = False) -> User:
    """Load the caller's own account (the id comes from the verified token, never the body)."""
    try:
        key = user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id))
    except ValueError:
        raise NotFound() from None
    repository = UserRepository(session)
    user = await (repository.get_for_update(key) if lock else repository.get(key))
    if user is None or user.status != AccountStatus.ACTIVE:
        raise NotFound()
    return user


async def set_password(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    user: User,
    checked_password: str,
    *,
    action: str,
    keep_session: uuid.UUID | None = None,
) -> None:
    """Store a new (already checked) password, audit it as `action`, and revoke every session
    but `keep_session`: whoever held the old password loses what it opened."""
    user.password_hash = await passwords.hash_password(checked_password, settings)
    user.password_changed_at = utcnow()
    await session.flush()
    await audit(session, actor=str(user.id), action=action, subject_type="user", subject_id=user.id)
    reason = action.replace(".", "_")
    await revoke_all_sessions(
        session, outbox, settings, user_id=user.id, reason=reason, keep=keep_session
    )


async def announce_contacts(session: AsyncSession, outbox: Outbox, user: User) -> None:
    await outbox.add(
        session,
        UserContactsChanged(
            user_id=user.id,
            email=user.email,
            email_verified=user.email_verified,
            mobile=user.mobile,
            mobile_is_mainland=user.mobile_is_mainland,
            locale="en" if user.locale == "en" else "zh",
        ),
        subject=str(user.id),
    )


def claim_holds(
    settings: IdentitySettings,
    holder: User | None,
    contact: Literal["email", "mobile"],
    now: datetime,
) -> bool:
    """Whether `holder` (the account with this contact, if any) keeps it against a newcomer:
    a verified contact, an unverified one claimed less than `unverified_contact_hold_hours`
    ago, and the e-mail of an account without a password (staff and the first admin set
    their first password through it) always hold. Only a stale unverified claim gives way."""
    if holder is None:
        return False
    if contact == "email" and holder.password_hash is None:
        return True
    verified = holder.email_verified if contact == "email" else holder.mobile_verified
    claimed_at = holder.email_claimed_at if contact == "email" else holder.mobile_claimed_at
    hold = timedelta(hours=settings.unverified_contact_hold_hours)
    return verified or claimed_at is None or now - claimed_at < hold


async def release_stale_claim(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    holder: User | None,
    contact: Literal["email", "mobile"],
    now: datetime,
) -> bool:
    """Take a stale unverified contact off `holder` for a newcomer who has just proven it
    (call only after the newcomer's code checked out); False when the claim still holds.
    The holder is told through its other contacts, and the release is audited."""
    if holder is None:
        return True
    if claim_holds(settings, holder, contact, now):
        return False
    claimed_at = holder.email_claimed_at if contact == "email" else holder.mobile_claimed_at
    released = holder.email if contact == "email" else holder.mobile
    if contact == "email":
        holder.email, holder.email_claimed_at = None, None
    else:
        holder.mobile, holder.mobile_is_mainland, holder.mobile_claimed_at = None, False, None
    await session.flush()
    await announce_contacts(session, outbox, holder)
    await audit(
        session,
        actor="system",
        action=f"{contact}.claim_released",
        subject_type="user",
        subject_id=holder.id,
        before={
            contact: (mask_email if contact == "email" else mask_mobile)(released or ""),
            "claimed_at": claimed_at,
        },
    )
    return True


async def check_current_password(
    session: AsyncSession, settings: IdentitySettings, *, user_id: str, password: str
) -> InvalidCredentials | None:
    """Check a current password sent with a request, and count it only when it is wrong: a
    guess an access-token holder could repeat, capped at the account's login threshold per
    window (then 429 `login_locked`). The account's lock is held from the cap check through
    the count, so concurrent wrong guesses cannot slip past the cap. The error is returned,
    not raised, so the caller commits the count before answering with it."""
    await check_limit(
        session,
        kind="password_check",
        key=user_id,
        limit=settings.lockout_threshold,
        window=timedelta(seconds=settings.lockout_window_seconds),
        error=LoginLocked,
    )
    user = await get_user(session, user_id)
    if await passwords.verify_password(user.password_hash, password, settings):
        return None
    await count_action(session, kind="password_check", key=user_id)
    message = Text("The current password is wrong", "当前密码错误")
    return InvalidCredentials(message, errors=[FieldError("current_password", "wrong", message)])
