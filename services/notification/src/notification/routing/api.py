"""Operators see and change which template and channels each event type goes out through."""

from typing import Annotated

from fastapi import APIRouter, Path

from educert_common.app import SessionDep
from educert_common.auth import Operator
from notification.routing import service
from notification.routing.schemas import RouteIn, RouteOut

router = APIRouter(prefix="/routes", tags=["notification: routes"])

# At most 100 characters: the audit entry's subject id holds no more.
EventTypePath = Annotated[
    str, Path(pattern=r"^[a-z][a-z_]*\.[a-z][a-z_]*\.[a-z][a-z_]*$", max_length=100)
]


@router.get("", response_model=list[RouteOut], summary="List routes")
async def list_routes(session: SessionDep, _: Operator) -> list[RouteOut]:
    """Return every route: event type -> template -> channels."""
    return [RouteOut.model_validate(r) for r in await service.list_routes(session)]


@router.put("/{event_type}", response_model=RouteOut, summary="Create or change a route")
async def put_route(
    event_type: EventTypePath, body: RouteIn, session: SessionDep, principal: Operator
) -> RouteOut:
    """Route an event type to a template and channels (templates must exist per channel).

    Codes and activation links stay essential whatever is sent; routes of essential messages
    are changed by admins only.
    """
    route = await service.put_route(
        session,
        actor=principal.subject,
        event_type=event_type,
        is_admin=principal.has_role("admin"),
        **body.model_dump(),
    )
    return RouteOut.model_validate(route)
