"""Every query about templates."""

import uuid
from typing import Any

from sqlalchemy import select

from educert_common.http.pagination import Page, PageParams
from educert_common.repository import Repository
from notification.templates.models import Template


class TemplateRepository(Repository[Template]):
    model = Template

    async def find(self, key: str, channel: str, locale: str) -> Template | None:
        return await self.scalar_one_or_none(
            select(Template).where(
                Template.key == key, Template.channel == channel, Template.locale == locale
            )
        )

    async def channels_of(self, key: str) -> set[str]:
        rows = await self.session.execute(
            select(Template.channel).where(Template.key == key).distinct()
        )
        return {row[0] for row in rows}

    async def search(
        self, params: PageParams, *, key: str | None, channel: str | None, locale: str | None
    ) -> Page[Any]:
        statement = select(Template)
        if key:
            statement = statement.where(Template.key == key)
        if channel:
            statement = statement.where(Template.channel == channel)
        if locale:
            statement = statement.where(Template.locale == locale)
        return await self.paginate(statement, params)

    async def for_update(self, template_id: uuid.UUID) -> Template | None:
        return await self.scalar_one_or_none(
            select(Template).where(Template.id == template_id).with_for_update()
        )
