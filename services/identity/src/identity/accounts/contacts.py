"""Changing a login contact (e-mail, mobile): prove ownership, send a code to the new
contact, switch on confirmation and tell the old one. Functions flush only."""

import uuid
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import utcnow
from educert_common.errors import FieldError, Text, ValidationFailed
from educert_common.events.catalogue import ContactChangeAnnounced
from educert_common.events.outbox import Outbox
from educert_common.masking import mask_email, mask_mobile
from identity.accounts import passwords
from identity.accounts.models import User
from identity.accounts.repository import UserRepository
from identity.accounts.rules import (
    taken,
)
from identity.accounts.schemas import (
    CodeSent,
)
from identity.accounts.service import (
    announce_contacts,
    claim_holds,
    get_user,
    release_stale_claim,
)
from identity.accounts.validation import (
    Problems,
    check_email,
    check_mobile,
)
from identity.base import audit
from identity.config import IdentitySettings
from identity.exceptions import (
    InvalidCredentials,
    ReauthenticationRequired,
)
from identity.sessions.models import LoginSession
from identity.sessions.repository import SessionRepository
from identity.verification import service as verification
from identity.verification.models import Purpose


async def _confirm_owner(
    session: AsyncSession,
    settings: IdentitySettings,
    user: User,
    current_password: str | None,
    session_id: str | None,
    now: datetime,
) -> None:
    """The caller proves to be the owner: by the current password, or by a session whose
    password login is at most `contact_change_fresh_login_seconds` old."""
    if current_password is not None:
        if not await passwords.verify_password(user.password_hash, current_password, settings):
            message = Text("The current password is wrong", "当前密码错误")
            raise InvalidCredentials(
                message, errors=[FieldError("current_password", "wrong", message)]
            )
        return
    fresh_since = now - timedelta(seconds=settings.contact_change_fresh_login_seconds)
    login = await _own_session(session, user, session_id)
    if login is None or login.revoked_at is not None or login.created_at < fresh_since:
        raise ReauthenticationRequired(
            errors=[FieldError("current_password", "required", ReauthenticationRequired.title)]
        )


async def _own_session(
    session: AsyncSession, user: User, session_id: str | None
) -> LoginSession | None:
    try:
        sid = uuid.UUID(session_id) if session_id else None
    except ValueError:
        return None
    return await SessionRepository(session).owned(sid, user.id) if sid else None


def _email_taken() -> Exception:
    return taken("email", "This e-mail address is already registered", "该邮箱已被注册")


def _mobile_taken() -> Exception:
    return taken(
        "mobile", "This mobile number is registered to another account", "该手机号已被其他账号注册"
    )


async def _check_change_code(
    session: AsyncSession,
    settings: IdentitySettings,
    user: User,
    *,
    purpose: Purpose,
    destination: str,
    code: str,
) -> Exception | None:
    """The error to answer with, unless the code was issued to this user for this change."""
    owner, error = await verification.check_code(
        session, settings, purpose=purpose, destination=destination, code=code
    )
    if error is not None:
        return error
    if owner != user.id:
        return verification.code_rejected("The code is wrong or expired", "验证码错误或已过期")
    return None


async def _record_contact_change(
    session: AsyncSession,
    outbox: Outbox,
    user: User,
    *,
    changed: Literal["email", "mobile"],
    notice: tuple[Literal["sms", "email"], str] | None,
    old_masked: str | None,
    new_masked: str,
) -> None:
    """Tell the old contact (when there is one), share the new contacts, audit the change."""
    if notice is not None:
        channel, destination = notice
        await outbox.add(
            session,
            ContactChangeAnnounced(
                user_id=user.id,
                channel=channel,
                destination=destination,
                changed=changed,
                new_value_masked=new_masked,
                locale="en" if user.locale == "en" else "zh",
            ),
            subject=str(user.id),
        )
    await announce_contacts(session, outbox, user)
    await audit(
        session,
        actor=str(user.id),
        action=f"{changed}.changed",
        subject_type="user",
        subject_id=user.id,
        before={changed: old_masked},
        after={changed: new_masked},
    )


async def request_email_change(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    user_id: str,
    email: str,
    ip: str,
    current_password: str | None = None,
    session_id: str | None = None,
    now: datetime | None = None,
) -> CodeSent:
    """Send a code to the new address; the change happens when it comes back. Needs the
    current password or a fresh login (a stolen access token must not move the account)."""
    problems = Problems()
    new_email = check_email(email, problems)
    problems.raise_if_any()
    assert new_email is not None
    now = now or utcnow()
    user = await get_user(session, user_id)
    await _confirm_owner(session, settings, user, current_password, session_id, now)
    # Asking proves nothing: a stale claim is only released when the code comes back.
    holder = await UserRepository(session).by_email(new_email)
    if claim_holds(settings, holder, "email", now):
        raise _email_taken()
    issued = await verification.issue_code(
        session,
        outbox,
        settings,
        purpose=Purpose.CHANGE_EMAIL,
        channel="email",
        destination=new_email,
        ip=ip,
        user_id=user.id,
        locale=user.locale,
    )
    return CodeSent(**issued.__dict__)


async def confirm_email_change(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    user_id: str,
    email: str,
    code: str,
) -> tuple[User | None, Exception | None]:
    problems = Problems()
    new_email = check_email(email, problems)
    problems.raise_if_any()
    assert new_email is not None
    user = await get_user(session, user_id, lock=True)
    error = await _check_change_code(
        session, settings, user, purpose=Purpose.CHANGE_EMAIL, destination=new_email, code=code
    )
    if error is not None:
        return None, error
    other = await UserRepository(session).by_email(new_email)
    if (
        other is not None
        and other.id != user.id
        and not await release_stale_claim(session, outbox, settings, other, "email", utcnow())
    ):
        raise _email_taken()
    old = user.email
    user.email = new_email
    user.email_verified = True
    user.email_claimed_at = utcnow()
    try:
        await session.flush()
    except IntegrityError:
        # Another account took the address between the check above and this write.
        raise _email_taken() from None
    await _record_contact_change(
        session,
        outbox,
        user,
        changed="email",
        notice=("email", old) if old and old != new_email else None,
        old_masked=mask_email(old) if old else None,
        new_masked=mask_email(new_email),
    )
    return user, None


async def request_mobile_change(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    user_id: str,
    mobile: str,
    ip: str,
    current_password: str | None = None,
    session_id: str | None = None,
    now: datetime | None = None,
) -> CodeSent:
    """Send a code to the new number (SMS); for a foreign number, to the verified e-mail.
    Needs the current password or a fresh login, as for the e-mail."""
    problems = Problems()
    checked = check_mobile(mobile, problems)
    problems.raise_if_any()
    assert checked is not None
    now = now or utcnow()
    user = await get_user(session, user_id)
    await _confirm_owner(session, settings, user, current_password, session_id, now)
    holder = await UserRepository(session).by_mobile(checked.number)
    if claim_holds(settings, holder, "mobile", now):
        raise _mobile_taken()
    if checked.is_mainland:
        channel, destination = "sms", checked.number
    else:
        if not user.email or not user.email_verified:
            message = Text(
                "A foreign number cannot receive SMS; verify your e-mail first, codes go there",
                "境外号码无法接收短信,请先验证邮箱,验证码将发送至邮箱",
            )
            raise ValidationFailed(
                message, errors=[FieldError("mobile", "email_not_verified", message)]
            )
        channel, destination = "email", user.email
    issued = await verification.issue_code(
        session,
        outbox,
        settings,
        purpose=Purpose.CHANGE_MOBILE,
        channel=channel,  # type: ignore[arg-type]
        destination=destination,
        ip=ip,
        user_id=user.id,
        locale=user.locale,
    )
    return CodeSent(**issued.__dict__)


async def confirm_mobile_change(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    user_id: str,
    mobile: str,
    code: str,
) -> tuple[User | None, Exception | None]:
    problems = Problems()
    checked = check_mobile(mobile, problems)
    problems.raise_if_any()
    assert checked is not None
    user = await get_user(session, user_id, lock=True)
    destination = checked.number if checked.is_mainland else (user.email or "")
    error = await _check_change_code(
        session, settings, user, purpose=Purpose.CHANGE_MOBILE, destination=destination, code=code
    )
    if error is not None:
        return None, error
    other = await UserRepository(session).by_mobile(checked.number)
    if (
        other is not None
        and other.id != user.id
        and not await release_stale_claim(session, outbox, settings, other, "mobile", utcnow())
    ):
        raise _mobile_taken()
    old, old_mainland = user.mobile, user.mobile_is_mainland
    user.mobile = checked.number
    user.mobile_is_mainland = checked.is_mainland
    user.mobile_verified = checked.is_mainland
    user.mobile_claimed_at = utcnow()
    try:
        await session.flush()
    except IntegrityError:
        # Another account took the number between the check above and this write.
        raise _mobile_taken() from None
    notice: tuple[Literal["sms", "email"], str] | None = None
    if old and old != checked.number:
        notice = ("sms", old) if old_mainland else ("email", user.email) if user.email else None
    await _record_contact_change(
        session,
        outbox,
        user,
        changed="mobile",
        notice=notice,
        old_masked=mask_mobile(old) if old else None,
        new_masked=mask_mobile(checked.number),
    )
    return user, None
