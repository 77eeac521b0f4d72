"""The caller's own profile: correct identity data before verification, change the
username or the password. Functions flush only."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.errors import FieldError, NotFound, Text
from educert_common.events.outbox import Outbox
from identity.accounts import passwords
from identity.accounts.models import RealnameStatus, User
from identity.accounts.repository import UserRepository
from identity.accounts.rules import (
    apply_identity,
    id_number_of,
    taken,
)
from identity.accounts.schemas import (
    IdentityCorrection,
)
from identity.accounts.service import get_user, set_password
from identity.accounts.validation import (
    IdentityInput,
    Problems,
    check_identity,
    check_password,
    check_username,
)
from identity.base import audit
from identity.config import IdentitySettings
from identity.exceptions import (
    InvalidCredentials,
    RealnameLocked,
)


async def correct_identity(
    session: AsyncSession, settings: IdentitySettings, user_id: str, request: IdentityCorrection
) -> User:
    """Correct name, gender, validity or birth date before verification (ID type and number
    stay: a different number is a different registration)."""
    user = await get_user(session, user_id, lock=True)
    if user.realname_locked or user.realname_status == RealnameStatus.PENDING_APPEAL:
        raise RealnameLocked()
    number = id_number_of(user, settings)
    if number is None or user.id_type is None or user.nationality is None:
        raise NotFound()
    problems = Problems()
    identity = check_identity(
        IdentityInput(
            real_name=request.real_name,
            nationality=user.nationality,
            gender=request.gender,
            id_type=user.id_type,
            id_number=number,
            id_valid_from=request.id_valid_from,
            id_valid_to=request.id_valid_to,
            birth_date=request.birth_date,
        ),
        problems,
    )
    problems.raise_if_any()
    assert identity is not None
    apply_identity(user, identity, settings)
    user.realname_status = RealnameStatus.UNVERIFIED
    user.realname_mismatch_field = None
    await session.flush()
    await audit(
        session,
        actor=str(user.id),
        action="identity.corrected",
        subject_type="user",
        subject_id=user.id,
    )
    return user


async def change_username(session: AsyncSession, user_id: str, raw: str) -> User:
    problems = Problems()
    username = check_username(raw, problems)
    problems.raise_if_any()
    assert username is not None
    user = await get_user(session, user_id, lock=True)
    other = await UserRepository(session).by_username(username)
    if other is not None and other.id != user.id:
        raise taken("username", "This username is taken", "该用户名已被使用")
    before = user.username
    user.username = username
    await session.flush()
    await audit(
        session,
        actor=str(user.id),
        action="username.changed",
        subject_type="user",
        subject_id=user.id,
        before={"username": before},
        after={"username": username},
    )
    return user


async def change_password(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    user_id: str,
    current_password: str,
    new_password: str,
    keep_session_id: str | None = None,
) -> User:
    """Replace the password after checking the current one; every session but
    `keep_session_id` (the caller's) is revoked."""
    problems = Problems()
    checked = check_password(new_password, problems, "new_password")
    problems.raise_if_any()
    assert checked is not None
    user = await get_user(session, user_id, lock=True)
    if not await passwords.verify_password(user.password_hash, current_password, settings):
        message = Text("The current password is wrong", "当前密码错误")
        raise InvalidCredentials(message, errors=[FieldError("current_password", "wrong", message)])
    await set_password(
        session,
        outbox,
        settings,
        user,
        checked,
        action="password.changed",
        keep_session=uuid.UUID(keep_session_id) if keep_session_id else None,
    )
    return user
