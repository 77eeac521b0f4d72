"""Registration: create an applicant, verify its mobile and e-mail, send codes and links
again. Functions flush only."""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import utcnow
from educert_common.errors import Conflict, FieldError, Text
from educert_common.events.outbox import Outbox
from educert_common.http.client_ip import address_key
from educert_common.masking import mask_email, mask_id_number, mask_mobile
from identity.accounts import passwords
from identity.accounts.models import AccountStatus, RealnameStatus, Role, User
from identity.accounts.repository import UserRepository
from identity.accounts.rules import (
    apply_identity,
    taken,
)
from identity.accounts.schemas import (
    CodeSent,
    Notice,
    RegistrationRequest,
)
from identity.accounts.service import announce_contacts, get_user
from identity.accounts.validation import (
    IdentityInput,
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
    IdNumberRegistered,
    RegistrationRateLimited,
)
from identity.limits.service import count_and_check
from identity.verification import service as verification
from identity.verification.models import Purpose

logger = logging.getLogger(__name__)


@dataclass
class Registered:
    user: User
    notices: list[Notice]
    # For appeals: the account that already holds the ID number.
    holder: User | None = None


async def count_registration(session: AsyncSession, settings: IdentitySettings, *, ip: str) -> None:
    """Count a registration attempt from this client address against the daily cap (the
    caller commits the count before registering, so failed attempts count too)."""
    await count_and_check(
        session,
        kind="registration",
        key=address_key(ip),
        limit=settings.registration_daily_cap_per_ip,
        error=RegistrationRateLimited,
    )


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
    # Registering proves no contact (anyone can type any address), so it never releases a
    # claim, however stale: the newcomer registers with another contact and moves to this one
    # through the change flow, whose code proves it and releases the stale claim.
    if await users.by_email(email) is not None:
        raise taken("email", "This e-mail address is already registered", "该邮箱已被注册")
    if await users.by_mobile(mobile.number) is not None:
        raise taken(
            "mobile",
            "This mobile number is registered to another account: register with another number "
            "and change it later by code",
            "该手机号已被其他账号注册:请使用其他号码注册,之后可通过验证码更换",
        )
    if username and await users.by_username(username) is not None:
        raise taken("username", "This username is taken", "该用户名已被使用")
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
    apply_identity(user, identity, settings)
    try:
        await users.add(user)
    except IntegrityError:
        # A concurrent registration took the e-mail, mobile or username first.
        raise taken("email", "Already registered", "已被注册") from None

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
        return None, verification.code_rejected(
            "The code is wrong or expired", "验证码错误或已过期"
        )
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
