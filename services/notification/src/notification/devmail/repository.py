"""Every query about mail the development SMTP sink captured."""

from typing import Any

from sqlalchemy import any_, literal, select

from educert_common.http.pagination import Page, PageParams
from educert_common.repository import Repository
from notification.devmail.models import CapturedMail


class CapturedMailRepository(Repository[CapturedMail]):
    model = CapturedMail

    async def search(self, params: PageParams, *, to: str | None) -> Page[Any]:
        statement = select(CapturedMail)
        if to:
            statement = statement.where(
                literal(to.strip().lower()) == any_(CapturedMail.recipients)
            )
        return await self.paginate(statement, params)
