"""Keeping the copy of verified accounts, and reading it."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from certification.accounts.models import VerifiedAccount
from certification.accounts.repository import AccountRepository
from educert_common.db import utcnow
from educert_common.errors import Conflict, Text
from educert_common.events.catalogue import UserRealnameVerified


class RealNameRequired(Conflict):
    code = "realname_required"
    title = Text(
        "Verify your real name before applying for certification", "请先完成实名认证再申请认证"
    )


async def account_verified(session: AsyncSession, event: UserRealnameVerified) -> None:
    await AccountRepository(session).upsert(
        user_id=event.user_id,
        real_name=event.real_name,
        gender=event.gender,
        birth_date=event.birth_date,
        at=utcnow(),
    )


async def verified_account(session: AsyncSession, user_id: uuid.UUID) -> VerifiedAccount:
    """The applicant's verified account, or 409: only real-name accounts apply."""
    account = await AccountRepository(session).get(user_id)
    if account is None:
        raise RealNameRequired()
    return account
