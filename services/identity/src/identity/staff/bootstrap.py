"""The operator bootstrap: the first admin of a fresh platform (`educert-admin create-admin`).

Staff accounts are created by operators and admins, so a fresh platform needs one admin made
from outside the API, by whoever runs the platform. The command creates that admin as the
staff API would (no password, e-mail unverified) and, instead of sending the password-set
code by e-mail, hands it to the operator: a password-recovery code (single use, bounded
guesses, `IDENTITY_CODE_TTL_SECONDS`), stored only as its HMAC, which the admin redeems at
the public `POST /api/v1/identity/recovery/password`. Refused while an active admin exists,
unless forced; with force, an e-mail that already belongs to an admin gets a fresh code
instead (an admin who lost theirs). Every run leaves an audit entry.
"""

import asyncio
import secrets
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import Database, utcnow
from educert_common.errors import Conflict, DomainError, Text
from educert_common.events.outbox import Outbox
from educert_common.masking import mask_email
from identity.accounts.models import AccountStatus, Role, User
from identity.accounts.repository import UserRepository
from identity.accounts.validation import Problems, check_email
from identity.base import audit, messaging
from identity.config import IdentitySettings
from identity.crypto import secrets_for
from identity.staff.repository import StaffRepository
from identity.staff.service import create_staff
from identity.verification.models import Purpose
from identity.verification.repository import CodeRepository

# Who the audit log names for the bootstrap (no account exists to name), and the "client
# address" of the code row (it counts against nobody's per-address cap).
BOOTSTRAP_ACTOR = "operator:create-admin"
BOOTSTRAP_ADDRESS = "operator-cli"


class AdminAlreadyExists(Conflict):
    code = "admin_exists"
    title = Text(
        "An admin already exists; admins create further staff (or run with --force)",
        "管理员已存在;其他工作人员由管理员创建(或使用 --force)",
    )


class NotAnAdmin(Conflict):
    code = "account_not_admin"
    title = Text(
        "This e-mail address belongs to an account that is not an admin",
        "该邮箱属于一个非管理员账号",
    )


@dataclass(frozen=True)
class PasswordSetCode:
    """What the operator is shown: whose code, the code itself, until when it works."""

    user_id: uuid.UUID
    username: str | None
    email: str
    code: str
    expires_at: datetime
    created: bool


async def issue_password_set_code(
    session: AsyncSession, settings: IdentitySettings, user: User, *, now: datetime | None = None
) -> tuple[str, datetime]:
    """Record a password-reset code for the user's e-mail and return it (nobody is sent it).

    The same row `POST /recovery/password/code` writes, so the same redemption applies:
    single use, `IDENTITY_CODE_MAX_ATTEMPTS` guesses, expiry after `IDENTITY_CODE_TTL_SECONDS`.
    """
    assert user.email is not None
    codes = CodeRepository(session)
    await codes.lock_destination(user.email)
    now = now or utcnow()
    code = f"{secrets.randbelow(1_000_000):06d}"
    code_id = uuid.uuid4()
    expires_at = now + timedelta(seconds=settings.code_ttl_seconds)
    await codes.add(
        codes.model(
            id=code_id,
            created_at=now,
            purpose=Purpose.RESET_PASSWORD,
            channel="email",
            destination=user.email,
            user_id=user.id,
            code_hash=secrets_for(settings).code_hash(str(code_id), code),
            attempts=0,
            expires_at=expires_at,
            ip=BOOTSTRAP_ADDRESS,
        )
    )
    return code, expires_at


async def bootstrap_admin(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    email: str,
    username: str,
    force: bool = False,
) -> PasswordSetCode:
    """Create the first admin (or, forced, another one) and a code to set its password."""
    staff = StaffRepository(session)
    await staff.lock_bootstrap()
    admins = await staff.count_active_admins()
    if admins and not force:
        raise AdminAlreadyExists()
    problems = Problems()
    checked_email = check_email(email, problems)
    problems.raise_if_any()
    assert checked_email is not None
    existing = await UserRepository(session).by_email(checked_email)
    if existing is not None:
        # Forced, for an admin who lost the code: a new one, no second account.
        if Role.ADMIN.value not in existing.roles or existing.status != AccountStatus.ACTIVE:
            raise NotAnAdmin()
        user, created = existing, False
    else:
        user = await create_staff(
            session,
            outbox,
            actor=BOOTSTRAP_ACTOR,
            actor_is_admin=True,
            role=Role.ADMIN.value,
            email=checked_email,
            username=username,
            institution_id=None,
        )
        created = True
    code, expires_at = await issue_password_set_code(session, settings, user)
    await audit(
        session,
        actor=BOOTSTRAP_ACTOR,
        action="admin.bootstrapped" if created else "admin.password_code_issued",
        subject_type="user",
        subject_id=user.id,
        after={
            "username": user.username,
            "email": mask_email(checked_email),
            "forced": force,
            "admins_before": admins,
        },
    )
    return PasswordSetCode(user.id, user.username, checked_email, code, expires_at, created)


def _instructions(result: PasswordSetCode, settings: IdentitySettings) -> str:
    base = settings.public_base_url.rstrip("/")
    minutes = max(1, round((result.expires_at - utcnow()).total_seconds() / 60))
    what = "Created admin" if result.created else "New password-set code for admin"
    return (
        f"{what} {result.username} ({mask_email(result.email)}).\n"
        f"One-time password-set code: {result.code}\n"
        f"  single use, valid for {minutes} min (until {result.expires_at:%Y-%m-%d %H:%M} UTC)\n"
        "Set the password (8-20 characters, letters and digits) through the public API:\n"
        f"  curl -X POST {base}/api/v1/identity/recovery/password \\\n"
        "    -H 'Content-Type: application/json' \\\n"
        f'    -d \'{{"destination": "{result.email}", "code": "{result.code}", '
        '"new_password": "<new password>"}\'\n'
        f"Then log in: POST {base}/api/v1/identity/login with "
        f'{{"identifier": "{result.username}", "password": "<new password>"}}.\n'
        "Once the code is used or expired, it is worthless: run again with --force for a new one."
    )


async def _run(email: str, username: str, force: bool) -> int:
    settings = IdentitySettings()
    database = Database.connect(settings.resolved_database_url(), pool_size=1)
    try:
        async with database.transaction() as session:
            result = await bootstrap_admin(
                session,
                Outbox(messaging, source="identity"),
                settings,
                email=email,
                username=username,
                force=force,
            )
    except DomainError as error:
        fields = "".join(f"\n  {e.field}: {e.message.en}" for e in error.errors)
        print(f"create-admin refused: {error}{fields}", file=sys.stderr)
        return 3 if isinstance(error, AdminAlreadyExists) else 2
    finally:
        await database.dispose()
    print(_instructions(result, settings), flush=True)
    return 0


def command(*, email: str, username: str, force: bool) -> int:
    """`educert-admin create-admin`: returns the process exit code."""
    return asyncio.run(_run(email, username, force))
