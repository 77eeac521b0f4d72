"""Reading mail the development SMTP sink captured."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.http.pagination import Page, PageParams
from notification import exceptions
from notification.devmail.models import CapturedMail
from notification.devmail.repository import CapturedMailRepository


async def captured_mail_page(
    session: AsyncSession, params: PageParams, *, to: str | None
) -> Page[Any]:
    return await CapturedMailRepository(session).search(params, to=to)


async def captured_mail(session: AsyncSession, mail_id: uuid.UUID) -> CapturedMail:
    mail = await CapturedMailRepository(session).get(mail_id)
    if mail is None:
        raise exceptions.MailNotFound()
    return mail
