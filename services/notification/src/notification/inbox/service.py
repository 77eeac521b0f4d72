"""A user's in-app inbox; functions flush, the calling scope commits."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import utcnow
from educert_common.http.pagination import Page, PageParams
from notification import exceptions
from notification.access import owner_id
from notification.inbox.models import InboxItem
from notification.inbox.repository import InboxRepository


async def inbox_page(
    session: AsyncSession, subject: str, params: PageParams, *, unread: bool
) -> Page[Any]:
    """The caller's inbox, newest first."""
    owner = owner_id(subject)
    if owner is None:
        return Page[Any](items=[], next_cursor=None)
    return await InboxRepository(session).page(owner, params, unread=unread)


async def unread_count(session: AsyncSession, subject: str) -> int:
    owner = owner_id(subject)
    return 0 if owner is None else await InboxRepository(session).unread_count(owner)


async def _owned_item(session: AsyncSession, subject: str, item_id: uuid.UUID) -> InboxItem:
    owner = owner_id(subject)
    item = None if owner is None else await InboxRepository(session).owned(owner, item_id)
    if item is None:
        raise exceptions.InboxItemNotFound()
    return item


async def mark_read(session: AsyncSession, subject: str, item_id: uuid.UUID) -> InboxItem:
    """Mark one of the caller's messages read (reading twice keeps the first time)."""
    item = await _owned_item(session, subject, item_id)
    if item.read_at is None:
        item.read_at = utcnow()
        await session.flush()
    return item


async def mark_all_read(session: AsyncSession, subject: str) -> int:
    owner = owner_id(subject)
    return 0 if owner is None else await InboxRepository(session).mark_all_read(owner)


async def delete_item(session: AsyncSession, subject: str, item_id: uuid.UUID) -> None:
    """Remove one of the caller's messages from their inbox."""
    item = await _owned_item(session, subject, item_id)
    item.deleted_at = utcnow()
    await session.flush()
