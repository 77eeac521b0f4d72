"""Recovery through a verified contact: reset the password, find the username. Functions
flush only."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.events.outbox import Outbox
from educert_common.masking import mask_email, mask_mobile
from identity.accounts.models import AccountStatus, Role, User
from identity.accounts.repository import UserRepository
from identity.accounts.schemas import (
    CodeSent,
    FoundAccount,
)
from identity.accounts.service import set_password
from identity.accounts.validation import (
    Problems,
    check_email,
    check_mobile,
    check_password,
)
from identity.base import audit
from identity.config import IdentitySettings
from identity.verification import service as verification
from identity.verification.models import Purpose


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
        return None, verification.code_rejected(
            "The code is wrong or expired", "验证码错误或已过期"
        )
    # Staff setting their first password: the code reached the address, so it is theirs.
    if destination.channel == "email":
        user.email_verified = True
    return user, None


async def reset_password(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    raw_destination: str,
    code: str,
    new_password: str,
) -> tuple[User | None, Exception | None]:
    """Set a new password with a recovery code and revoke every session of the account."""
    problems = Problems()
    checked = check_password(new_password, problems, "new_password")
    problems.raise_if_any()
    assert checked is not None
    user, error = await _redeem_recovery(
        session, settings, Purpose.RESET_PASSWORD, raw_destination, code
    )
    if user is None:
        return None, error
    await set_password(session, outbox, settings, user, checked, action="password.reset")
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
