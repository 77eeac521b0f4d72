"""Every query about inbox items, scoped by their owner."""

import uuid
from typing import Any

from sqlalchemy import and_, func, select, update

from educert_common.db import utcnow
from educert_common.http.pagination import Page, PageParams
from educert_common.repository import Repository
from notification.inbox.models import InboxItem


class InboxRepository(Repository[InboxItem]):
    """Every query is scoped by the owner: a user only ever sees their own items."""

    model = InboxItem

    def _owned(self, owner: uuid.UUID) -> Any:
        return and_(InboxItem.user_id == owner, InboxItem.deleted_at.is_(None))

    async def page(self, owner: uuid.UUID, params: PageParams, *, unread: bool) -> Page[Any]:
        statement = select(InboxItem).where(self._owned(owner))
        if unread:
            statement = statement.where(InboxItem.read_at.is_(None))
        return await self.paginate(statement, params)

    async def unread_count(self, owner: uuid.UUID) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(InboxItem)
            .where(self._owned(owner), InboxItem.read_at.is_(None))
        )
        return int(count or 0)

    async def count_given(self, owner: uuid.UUID) -> int:
        """Every item `owner` was ever given, deleted ones too."""
        count = await self.session.scalar(
            select(func.count()).select_from(InboxItem).where(InboxItem.user_id == owner)
        )
        return int(count or 0)

    async def owned(self, owner: uuid.UUID, item_id: uuid.UUID) -> InboxItem | None:
        return await self.scalar_one_or_none(
            select(InboxItem).where(self._owned(owner), InboxItem.id == item_id)
        )

    async def mark_all_read(self, owner: uuid.UUID) -> int:
        result = await self.session.execute(
            update(InboxItem)
            .where(self._owned(owner), InboxItem.read_at.is_(None))
            .values(read_at=utcnow())
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
