"""A user's in-app inbox; every query is scoped to the caller."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from educert_common.app import SessionDep
from educert_common.auth import CurrentPrincipal
from educert_common.http.pagination import Page, PageParams, page_params
from notification.inbox import service
from notification.inbox.schemas import InboxItemOut, MarkedRead, UnreadCount

router = APIRouter(tags=["notification: inbox"])


@router.get("/inbox", response_model=Page[InboxItemOut], summary="List my messages")
async def list_inbox(
    session: SessionDep,
    principal: CurrentPrincipal,
    params: Annotated[PageParams, Depends(page_params)],
    unread: bool = False,
) -> Page[InboxItemOut]:
    """List the caller's messages, newest first; `unread=true` for unread ones only."""
    page = await service.inbox_page(session, principal.subject, params, unread=unread)
    return Page[InboxItemOut](
        items=[InboxItemOut.model_validate(i) for i in page.items], next_cursor=page.next_cursor
    )


@router.get("/inbox/unread-count", response_model=UnreadCount, summary="Count my unread messages")
async def unread_count(session: SessionDep, principal: CurrentPrincipal) -> UnreadCount:
    """Return how many of the caller's messages are unread."""
    return UnreadCount(unread=await service.unread_count(session, principal.subject))


@router.post("/inbox/read-all", response_model=MarkedRead, summary="Mark all my messages read")
async def read_all(session: SessionDep, principal: CurrentPrincipal) -> MarkedRead:
    """Mark every unread message of the caller read."""
    return MarkedRead(marked=await service.mark_all_read(session, principal.subject))


@router.post("/inbox/{item_id}/read", response_model=InboxItemOut, summary="Mark a message read")
async def mark_read(
    item_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> InboxItemOut:
    """Mark one of the caller's messages read."""
    return InboxItemOut.model_validate(await service.mark_read(session, principal.subject, item_id))


@router.delete(
    "/inbox/{item_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a message"
)
async def delete_item(
    item_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """Remove one of the caller's messages from their inbox."""
    await service.delete_item(session, principal.subject, item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
