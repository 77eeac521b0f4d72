"""Operators search deliveries, resend failed ones and watch delivery statistics."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from educert_common.app import SessionDep
from educert_common.auth import Operator
from educert_common.http.contract import problems
from educert_common.http.pagination import Page, PageParams, page_params
from notification.deliveries import service
from notification.deliveries.schemas import DeliveryOut, DeliveryStats
from notification.runtime import SettingsDep
from notification.schemas import ChannelName

router = APIRouter(prefix="/deliveries", tags=["notification: deliveries"])

StatusName = Annotated[str, Query(pattern=r"^(queued|sending|sent|failed|dead)$")]


@router.get("", response_model=Page[DeliveryOut], summary="Search deliveries")
async def search_deliveries(
    session: SessionDep,
    _: Operator,
    params: Annotated[PageParams, Depends(page_params)],
    user_id: uuid.UUID | None = None,
    destination: Annotated[str | None, Query(min_length=3, max_length=320)] = None,
    source_event_id: uuid.UUID | None = None,
    event_type: Annotated[str | None, Query(max_length=120)] = None,
    status: StatusName | None = None,
    channel: ChannelName | None = None,
) -> Page[DeliveryOut]:
    """Find deliveries by user, address or number, source event, status or channel."""
    page = await service.search_deliveries(
        session,
        params,
        user_id=user_id,
        destination=destination,
        source_event_id=source_event_id,
        event_type=event_type,
        status=status,
        channel=channel,
    )
    return Page[DeliveryOut](
        items=[DeliveryOut.model_validate(d) for d in page.items], next_cursor=page.next_cursor
    )


@router.get("/stats", response_model=DeliveryStats, summary="Delivery statistics")
async def delivery_stats(
    session: SessionDep,
    _: Operator,
    settings: SettingsDep,
    since: datetime | None = None,
    until: datetime | None = None,
) -> DeliveryStats:
    """Counts per channel and status with send latency, failure reasons (default: 24 h), and
    today's SMS count against the global daily budget."""
    return DeliveryStats.model_validate(
        await service.delivery_stats(session, since=since, until=until, settings=settings)
    )


@router.get("/{delivery_id}", response_model=DeliveryOut, summary="Show a delivery")
async def get_delivery(delivery_id: uuid.UUID, session: SessionDep, _: Operator) -> DeliveryOut:
    """Return one delivery with its attempts and last error."""
    return DeliveryOut.model_validate(await service.get_delivery(session, delivery_id))


@router.post(
    "/{delivery_id}/resend",
    responses=problems(409),
    response_model=DeliveryOut,
    summary="Resend a delivery",
)
async def resend_delivery(
    delivery_id: uuid.UUID, session: SessionDep, principal: Operator
) -> DeliveryOut:
    """Queue a failed or dead delivery again (refused once a code or link has expired)."""
    delivery = await service.resend_delivery(session, delivery_id, actor=principal.subject)
    return DeliveryOut.model_validate(delivery)
