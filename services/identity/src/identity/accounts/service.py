"""Accounts: registration, contacts, usernames, passwords, recovery. Functions flush only."""

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import utcnow
from educert_common.errors import Conflict, FieldError, NotFound, Text, ValidationFailed
from educert_common.events.catalogue import ContactChangeAnnounced, UserContactsChanged
from educert_common.events.outbox import Outbox
from educert_common.masking import mask_email, mask_id_number, mask_mobile, mask_name
from identity.accounts import passwords
from identity.accounts.models import AccountStatus, RealnameStatus, Role, User
from identity.accounts.repository import UserRepository
from identity.accounts.schemas import (
    CodeSent,
    FoundAccount,
    IdentityCorrection,
    MeView,
    Notice,
    RegistrationRequest,
)
from identity.accounts.validation import (
    CheckedIdentity,
    IdentityInput,
    IdType,
    Problems,
    check_email,
    check_identity,
    check_mobile,
    check_password,
    check_username,
)
from identity.base import audit
from identity.config import IdentitySettings
from identity.crypto import secrets_for
from identity.exceptions import (
    ContactTaken,
    IdNumberRegistered,
    InvalidCredentials,
    RealnameLocked,
    ReauthenticationRequired,
)
from identity.sessions.models import LoginSession
from identity.sessions.repository import SessionRepository
from identity.verification import service as verification
from identity.verification.service import Purpose

logger = logging.getLogger(__name__)

ID_NUMBER_CONTEXT = "users.id_number"
VALID_FROM_CONTEXT = "users.id_valid_from"
VALID_TO_CONTEXT = "users.id_valid_to"


def _taken(field: str, en: str, zh: str) -> ContactTaken:
    return ContactTaken(Text(en, zh), errors=[FieldError(field, "taken", Text(en, zh))])


# Views -------------------------------------------------------------------------------------


def id_number_of(user: User, settings: IdentitySettings) -> str | None:
    if user.id_number_encrypted is None:
        return None
    return secrets_for(settings).personal.decrypt(
        user.id_number_encrypted, context=ID_NUMBER_CONTEXT
    )


def me_view(user: User, settings: IdentitySettings) -> MeView:
    """The caller's account as responses show it: names, numbers and contacts masked."""
    s = secrets_for(settings)
    number = id_number_of(user, settings)
    valid_to = s.decrypt_date(user.id_valid_to_encrypted, context=VALID_TO_CONTEXT)
    return MeView(
        id=user.id,
        username=user.username,
        roles=list(user.roles),
        institution_id=user.institution_id,
        status=user.status,
        email_masked=mask_email(user.email) if user.email else None,
        email_verified=user.email_verified,
        mobile_masked=mask_mobile(user.mobile) if user.mobile else None,
        mobile_is_mainland=user.mobile_is_mainland,
        mobile_verified=user.mobile_verified,
        real_name_masked=mask_name(user.real_name) if user.real_name else None,
        nationality=user.nationality,
        gender=user.gender,
        id_type=user.id_type,
        id_number_masked=mask_id_number(number) if number else None,
        id_valid_from=s.decrypt_date(user.id_valid_from_encrypted, context=VALID_FROM_CONTEXT),
        id_valid_to=valid_to,
        id_valid_long_term=user.id_type is not None and valid_to is None,
        realname_status=user.realname_status,
        realname_mismatch_field=user.realname_mismatch_field,
        realname_verified_at=user.realname_verified_at,
        created_at=user.created_at,
    )


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


async def _holder_of(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    holder: User | None,
    contact: Literal["email", "mobile"],
    now: datetime,
) -> User | None:
    """The account holding a contact, or None when there is none or its claim was released:
    an unverified contact held longer than `unverified_contact_hold_hours` is taken off that
    account (it is told through its other contacts, and audited)."""
    if holder is None:
        return None
    verified = holder.email_verified if contact == "email" else holder.mobile_verified
    claimed_at = holder.email_claimed_at if contact == "email" else holder.mobile_claimed_at
    hold = timedelta(hours=settings.unverified_contact_hold_hours)
    if verified or claimed_at is None or now - claimed_at < hold:
        return holder
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
    return None


# Registration ------------------------------------------------------------------------------


@dataclass
class Registered:
    user: User
    notices: list[Notice]
    # For appeals: the account that already holds the ID number.
    holder: User | None = None


def _apply_identity(user: User, identity: CheckedIdentity, settings: IdentitySettings) -> None:
    s = secrets_for(settings)
    user.real_name = identity.real_name
    user.nationality = identity.nationality
    user.gender = identity.gender
    user.birth_date = identity.birth_date
    user.id_type = identity.id_type.value
    user.id_number_encrypted = s.personal.encrypt(identity.id_number, context=ID_NUMBER_CONTEXT)
    user.id_number_hash = s.id_index.of(identity.id_number)
    user.id_valid_from_encrypted = s.encrypt_date(
        identity.id_valid_from, context=VALID_FROM_CONTEXT
    )
    user.id_valid_to_encrypted = s.encrypt_date(identity.id_valid_to, context=VALID_TO_CONTEXT)


async def register(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    request: RegistrationRequest,
    *,
    ip: str,
    for_appeal: bool = False,
    now: datetime | None = None,
) -> Registered:
    """Create an applicant account; send the mobile code and the e-mail activation link.

    With `for_appeal`, an ID number another account holds is accepted: the new account waits
    (realname status pending_appeal, not the holder) for an operator's decision.
    """
    problems = Problems()
    identity = check_identity(
        IdentityInput(
            real_name=request.real_name,
            nationality=request.nationality,
            gender=request.gender,
            id_type=request.id_type,
            id_number=request.id_number,
            id_valid_from=request.id_valid_from,
            id_valid_to=request.id_valid_to,
            birth_date=request.birth_date,
        ),
        problems,
    )
    mobile = check_mobile(request.mobile, problems)
    email = check_email(request.email, problems)
    password = check_password(request.password, problems)
    username = check_username(request.username, problems) if request.username else None
    problems.raise_if_any()
    assert identity is not None and mobile is not None and email is not None and password

    now = now or utcnow()
    users = UserRepository(session)
    if await _holder_of(session, outbox, settings, await users.by_email(email), "email", now):
        raise _taken("email", "This e-mail address is already registered", "该邮箱已被注册")
    if await _holder_of(
        session, outbox, settings, await users.by_mobile(mobile.number), "mobile", now
    ):
        raise _taken(
            "mobile",
            "This mobile number is registered to another account: register with another number "
            "and change it later by code",
            "该手机号已被其他账号注册:请使用其他号码注册,之后可通过验证码更换",
        )
    if username and await users.by_username(username) is not None:
        raise _taken("username", "This username is taken", "该用户名已被使用")
    id_hash = secrets_for(settings).id_index.of(identity.id_number)
    await users.lock_id_number(id_hash)
    holder = await users.id_holder(id_hash)
    if holder is not None and not for_appeal:
        message = Text(
            "This ID number is already registered. Recover that account (forgotten username "
            "or password), or file a duplicate-ID appeal with a scan of the ID and a head photo.",
            "该证件号码已注册。请先通过找回用户名或密码找回原账号,或上传证件扫描件和头像照片提交申诉。",
        )
        raise IdNumberRegistered(
            message, errors=[FieldError("id_number", "id_number_registered", message)]
        )
    if holder is None and for_appeal:
        message = Text(
            "No account holds this ID number; register normally", "该证件号码未被注册,请直接注册"
        )
        raise Conflict(message, errors=[FieldError("id_number", "no_duplicate", message)])

    user = User(
        id=uuid.uuid4(),
        status=AccountStatus.ACTIVE,
        roles=[Role.APPLICANT.value],
        locale=request.locale,
        username=username,
        email=email,
        email_verified=False,
        mobile=mobile.number,
        mobile_is_mainland=mobile.is_mainland,
        mobile_verified=False,
        email_claimed_at=now,
        mobile_claimed_at=now,
        password_hash=await passwords.hash_password(password, settings),
        password_changed_at=utcnow(),
        id_holder=holder is None,
        realname_status=(
            RealnameStatus.UNVERIFIED if holder is None else RealnameStatus.PENDING_APPEAL
        ),
        realname_attempts=0,
    )
    _apply_identity(user, identity, settings)
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        # A concurrent registration took the e-mail, mobile or username first.
        raise _taken("email", "Already registered", "已被注册") from None

    notices: list[Notice] = []
    await announce_contacts(session, outbox, user)
    await verification.issue_activation_link(
        session, outbox, settings, user_id=user.id, email=email, ip=ip, locale=user.locale
    )
    if mobile.is_mainland:
        await verification.issue_code(
            session,
            outbox,
            settings,
            purpose=Purpose.REGISTER_MOBILE,
            channel="sms",
            destination=mobile.number,
            ip=ip,
            user_id=user.id,
            locale=user.locale,
        )
        notices.append(Notice(code="sms_code_sent", message="A code was sent to the mobile"))
    else:
        notices.append(
            Notice(
                code="mobile_not_mainland",
                message="The number is stored, but it is not a mainland number and cannot "
                "receive SMS: codes go by e-mail. / 非大陆号码无法接收短信,验证码将发送至邮箱。",
            )
        )
    notices.append(Notice(code="activation_link_sent", message="An activation link was e-mailed"))
    await audit(
        session,
        actor=str(user.id),
        action="account.registered" if holder is None else "account.registered_for_appeal",
        subject_type="user",
        subject_id=user.id,
        after={
            "id_type": user.id_type,
            "id_number": mask_id_number(identity.id_number),
            "email": mask_email(email),
            "mobile": mask_mobile(mobile.number),
        },
    )
    logger.info(
        "account registered",
        extra={"user_id": str(user.id), "id_number": mask_id_number(identity.id_number)},
    )
    return Registered(user, notices, holder)


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
    _apply_identity(user, identity, settings)
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


# Contacts ----------------------------------------------------------------------------------


async def resend_registration_code(
    session: AsyncSession, outbox: Outbox, settings: IdentitySettings, *, mobile: str, ip: str
) -> CodeSent:
    """Send a new mobile code to an unverified account's number (same answer otherwise)."""
    problems = Problems()
    checked = check_mobile(mobile, problems)
    problems.raise_if_any()
    assert checked is not None
    user = await UserRepository(session).by_mobile(checked.number)
    deliver = (
        user is not None
        and not user.mobile_verified
        and user.mobile_is_mainland
        and user.status == AccountStatus.ACTIVE
    )
    issued = await verification.issue_code(
        session,
        outbox,
        settings,
        purpose=Purpose.REGISTER_MOBILE,
        channel="sms",
        destination=checked.number,
        ip=ip,
        user_id=user.id if user is not None and deliver else None,
        deliver=deliver,
        locale=user.locale if user else "zh",
    )
    return CodeSent(**issued.__dict__)


async def verify_registration_mobile(
    session: AsyncSession, outbox: Outbox, settings: IdentitySettings, *, mobile: str, code: str
) -> tuple[User | None, Exception | None]:
    """Mark the mobile verified if the code matches (the caller commits, then raises)."""
    problems = Problems()
    checked = check_mobile(mobile, problems)
    problems.raise_if_any()
    assert checked is not None
    user_id, error = await verification.check_code(
        session, settings, purpose=Purpose.REGISTER_MOBILE, destination=checked.number, code=code
    )
    if error is not None:
        return None, error
    user = await UserRepository(session).by_mobile(checked.number)
    if user is None or user.id != user_id:
        return None, verification._rejected("The code is wrong or expired", "验证码错误或已过期")
    user.mobile_verified = True
    await session.flush()
    await announce_contacts(session, outbox, user)
    await audit(
        session,
        actor=str(user.id),
        action="mobile.verified",
        subject_type="user",
        subject_id=user.id,
    )
    return user, None


async def activate_email(
    session: AsyncSession, outbox: Outbox, settings: IdentitySettings, token: str
) -> User:
    link = await verification.redeem_activation_link(session, settings, token)
    user = await UserRepository(session).get_for_update(link.user_id)
    if user is None or user.email != link.email or user.status != AccountStatus.ACTIVE:
        raise verification.LinkRejected()
    user.email_verified = True
    await session.flush()
    await announce_contacts(session, outbox, user)
    await audit(
        session,
        actor=str(user.id),
        action="email.verified",
        subject_type="user",
        subject_id=user.id,
    )
    return user


async def resend_activation_link(
    session: AsyncSession, outbox: Outbox, settings: IdentitySettings, user_id: str, *, ip: str
) -> None:
    user = await get_user(session, user_id)
    if user.email is None or user.email_verified:
        raise Conflict(Text("The e-mail address is already verified", "邮箱已验证"))
    await verification.issue_activation_link(
        session, outbox, settings, user_id=user.id, email=user.email, ip=ip, locale=user.locale
    )


async def change_username(session: AsyncSession, user_id: str, raw: str) -> User:
    problems = Problems()
    username = check_username(raw, problems)
    problems.raise_if_any()
    assert username is not None
    user = await get_user(session, user_id, lock=True)
    other = await UserRepository(session).by_username(username)
    if other is not None and other.id != user.id:
        raise _taken("username", "This username is taken", "该用户名已被使用")
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
    return _taken("email", "This e-mail address is already registered", "该邮箱已被注册")


def _mobile_taken() -> Exception:
    return _taken(
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
        return verification._rejected("The code is wrong or expired", "验证码错误或已过期")
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
    holder = await UserRepository(session).by_email(new_email)
    if await _holder_of(session, outbox, settings, holder, "email", now):
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
        and await _holder_of(session, outbox, settings, other, "email", utcnow())
    ):
        raise _email_taken()
    old = user.email
    user.email = new_email
    user.email_verified = True
    user.email_claimed_at = utcnow()
    await session.flush()
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
    if await _holder_of(session, outbox, settings, holder, "mobile", now):
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
        and await _holder_of(session, outbox, settings, other, "mobile", utcnow())
    ):
        raise _mobile_taken()
    old, old_mainland = user.mobile, user.mobile_is_mainland
    user.mobile = checked.number
    user.mobile_is_mainland = checked.is_mainland
    user.mobile_verified = checked.is_mainland
    user.mobile_claimed_at = utcnow()
    await session.flush()
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


async def change_password(
    session: AsyncSession,
    settings: IdentitySettings,
    *,
    user_id: str,
    current_password: str,
    new_password: str,
) -> User:
    """Replace the password after checking the current one (the caller revokes other sessions)."""
    problems = Problems()
    checked = check_password(new_password, problems, "new_password")
    problems.raise_if_any()
    assert checked is not None
    user = await get_user(session, user_id, lock=True)
    if not await passwords.verify_password(user.password_hash, current_password, settings):
        message = Text("The current password is wrong", "当前密码错误")
        raise InvalidCredentials(message, errors=[FieldError("current_password", "wrong", message)])
    user.password_hash = await passwords.hash_password(checked, settings)
    user.password_changed_at = utcnow()
    await session.flush()
    await audit(
        session,
        actor=str(user.id),
        action="password.changed",
        subject_type="user",
        subject_id=user.id,
    )
    return user


# Recovery ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    channel: str  # sms, email
    value: str


def recovery_destination(raw: str) -> Destination:
    """An e-mail address or a mobile number, normalised; field errors otherwise."""
    problems = Problems()
    if "@" in raw:
        email = check_email(raw, problems, "destination")
        problems.raise_if_any()
        assert email is not None
        return Destination("email", email)
    mobile = check_mobile(raw, problems, "destination")
    problems.raise_if_any()
    assert mobile is not None
    return Destination("sms" if mobile.is_mainland else "none", mobile.number)


async def _account_for(session: AsyncSession, destination: Destination) -> User | None:
    """The account this contact may recover: only a verified contact counts (an unverified
    one is a claim anyone could have typed), except the e-mail an operator gave a staff
    account that never had a password (how its holder sets the first one)."""
    users = UserRepository(session)
    user = await (
        users.by_email(destination.value)
        if destination.channel == "email"
        else users.by_mobile(destination.value)
    )
    if user is None or user.status != AccountStatus.ACTIVE:
        return None
    if destination.channel == "email":
        enrolling_staff = user.password_hash is None and user.roles != [Role.APPLICANT.value]
        return user if user.email_verified or enrolling_staff else None
    return user if user.mobile_verified else None


async def request_recovery_code(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    purpose: Purpose,
    raw_destination: str,
    ip: str,
) -> CodeSent:
    """Send a recovery code if an account has this contact; answer the same either way."""
    destination = recovery_destination(raw_destination)
    user = await _account_for(session, destination)
    # Foreign numbers cannot receive SMS: such accounts recover by e-mail.
    deliver = user is not None and destination.channel in ("sms", "email")
    issued = await verification.issue_code(
        session,
        outbox,
        settings,
        purpose=purpose,
        channel="email" if destination.channel == "email" else "sms",
        destination=destination.value,
        ip=ip,
        user_id=user.id if user is not None and deliver else None,
        deliver=deliver,
        locale=user.locale if user is not None else "zh",
    )
    return CodeSent(**issued.__dict__)


async def _redeem_recovery(
    session: AsyncSession,
    settings: IdentitySettings,
    purpose: Purpose,
    raw_destination: str,
    code: str,
) -> tuple[User | None, Exception | None]:
    destination = recovery_destination(raw_destination)
    owner, error = await verification.check_code(
        session, settings, purpose=purpose, destination=destination.value, code=code
    )
    if error is not None:
        return None, error
    user = await _account_for(session, destination)
    if user is None or owner != user.id:
        return None, verification._rejected("The code is wrong or expired", "验证码错误或已过期")
    # Staff setting their first password: the code reached the address, so it is theirs.
    if destination.channel == "email":
        user.email_verified = True
    return user, None


async def reset_password(
    session: AsyncSession,
    settings: IdentitySettings,
    *,
    raw_destination: str,
    code: str,
    new_password: str,
) -> tuple[User | None, Exception | None]:
    """Set a new password with a recovery code (the caller revokes every session)."""
    problems = Problems()
    checked = check_password(new_password, problems, "new_password")
    problems.raise_if_any()
    assert checked is not None
    user, error = await _redeem_recovery(
        session, settings, Purpose.RESET_PASSWORD, raw_destination, code
    )
    if user is None:
        return None, error
    user.password_hash = await passwords.hash_password(checked, settings)
    user.password_changed_at = utcnow()
    await session.flush()
    await audit(
        session,
        actor=str(user.id),
        action="password.reset",
        subject_type="user",
        subject_id=user.id,
    )
    return user, None


async def find_username(
    session: AsyncSession, settings: IdentitySettings, *, raw_destination: str, code: str
) -> tuple[FoundAccount | None, Exception | None]:
    user, error = await _redeem_recovery(
        session, settings, Purpose.FIND_USERNAME, raw_destination, code
    )
    if user is None:
        return None, error
    await session.flush()
    await audit(
        session,
        actor=str(user.id),
        action="username.recovered",
        subject_type="user",
        subject_id=user.id,
    )
    return (
        FoundAccount(
            username=user.username,
            email_masked=mask_email(user.email) if user.email else None,
            mobile_masked=mask_mobile(user.mobile) if user.mobile else None,
        ),
        None,
    )


def is_realname_document(id_type: str | None) -> bool:
    return id_type in {t.value for t in IdType}


def today() -> date:
    return date.today()
