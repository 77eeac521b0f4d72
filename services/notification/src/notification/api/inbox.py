"""A user's in-app inbox and notification preferences; every query is scoped to the caller."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from educert_common.app import SessionDep
from educert_common.auth import CurrentPrincipal
from educert_common.http.contract import problems
from educert_common.http.pagination import Page, PageParams, page_params
from notification import service
from notification.schemas import (
    InboxItemOut,
    MarkedRead,
    PreferencesIn,
    PreferencesOut,
    UnreadCount,
)

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


@router.get("/preferences", response_model=PreferencesOut, summary="Show my preferences")
async def get_preferences(session: SessionDep, principal: CurrentPrincipal) -> PreferencesOut:
    """Return whether the caller muted non-essential messages."""
    muted = await service.get_preferences(session, principal.subject)
    return PreferencesOut(
        mute_non_essential=muted, essential_event_types=sorted(service.ALWAYS_ESSENTIAL)
    )


@router.put(
    "/preferences",
    responses=problems(404),
    response_model=PreferencesOut,
    summary="Change my preferences",
)
async def put_preferences(
    body: PreferencesIn, session: SessionDep, principal: CurrentPrincipal
) -> PreferencesOut:
    """Mute or unmute non-essential SMS and e-mail (codes and security notices still arrive)."""
    preference = await service.put_preferences(
        session, principal.subject, mute_non_essential=body.mute_non_essential
    )
    return PreferencesOut(
        mute_non_essential=preference.mute_non_essential,
        essential_event_types=sorted(service.ALWAYS_ESSENTIAL),
    )
