"""Staff accounts: operators create institution staff and reviewers; admins also operators
and admins.

A new staff account has no password: the person sets one through password recovery with a
code sent to the e-mail address (which also proves the address is theirs).
"""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.errors import FieldError, PermissionDenied, Text, ValidationFailed
from educert_common.events.outbox import Outbox
from identity.accounts.models import AccountStatus, RealnameStatus, Role, User
from identity.accounts.repository import UserRepository
from identity.accounts.rules import taken
from identity.accounts.service import announce_contacts
from identity.accounts.validation import Problems, check_email, check_username
from identity.base import audit

STAFF_ROLES = frozenset({Role.INSTITUTION_STAFF, Role.REVIEWER, Role.OPERATOR, Role.ADMIN})
# Roles only an admin may hand out (an operator must not mint peers or superiors).
ADMIN_GRANTED_ROLES = frozenset({Role.OPERATOR, Role.ADMIN})


async def create_staff(
    session: AsyncSession,
    outbox: Outbox,
    *,
    actor: str,
    actor_is_admin: bool,
    role: str,
    email: str,
    username: str,
    institution_id: str | None,
) -> User:
    problems = Problems()
    checked_email = check_email(email, problems)
    checked_username = check_username(username, problems)
    if role not in {r.value for r in STAFF_ROLES}:
        problems.add(
            "role",
            "role_invalid",
            "Role is institution_staff, reviewer, operator or admin",
            "角色无效",
        )
    problems.raise_if_any()
    if role in {r.value for r in ADMIN_GRANTED_ROLES} and not actor_is_admin:
        raise PermissionDenied(
            Text("Only an admin may create operators and admins", "仅管理员可创建运营人员和管理员")
        )
    if role == Role.INSTITUTION_STAFF and not institution_id:
        message = Text("Institution staff belong to an institution", "院校工作人员须关联院校")
        raise ValidationFailed(message, errors=[FieldError("institution_id", "required", message)])
    if role != Role.INSTITUTION_STAFF:
        institution_id = None
    users = UserRepository(session)
    assert checked_email is not None and checked_username is not None
    if await users.by_email(checked_email) is not None:
        raise taken("email", "This e-mail address is already registered", "该邮箱已被注册")
    if await users.by_username(checked_username) is not None:
        raise taken("username", "This username is taken", "该用户名已被使用")
    user = User(
        id=uuid.uuid4(),
        status=AccountStatus.ACTIVE,
        roles=[role],
        institution_id=institution_id,
        username=checked_username,
        email=checked_email,
        email_verified=False,
        mobile=None,
        mobile_is_mainland=False,
        mobile_verified=False,
        password_hash=None,
        id_holder=False,
        realname_status=RealnameStatus.UNVERIFIED,
        realname_attempts=0,
        locale="zh",
    )
    await users.add(user)
    await announce_contacts(session, outbox, user)
    await audit(
        session,
        actor=actor,
        action="staff.created",
        subject_type="user",
        subject_id=user.id,
        after={"role": role, "institution_id": institution_id, "username": checked_username},
    )
    return user
