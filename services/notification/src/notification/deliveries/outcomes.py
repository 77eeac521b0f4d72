"""The events announcing a delivery's final outcome, written in the transaction that records it."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.events.catalogue import MessageDelivered, MessageFailed
from educert_common.events.outbox import Outbox
from notification.base import messaging
from notification.deliveries.models import Delivery

outbox = Outbox(messaging, source="notification")


def _outcome_event(
    delivery: Delivery | Any, reason: str | None
) -> MessageDelivered | MessageFailed:
    channel = str(delivery.channel)
    if reason is None:
        return MessageDelivered(
            message_id=delivery.message_id,
            user_id=delivery.user_id,
            channel=channel,  # type: ignore[arg-type]
            source_event_id=delivery.source_event_id,
        )
    return MessageFailed(
        message_id=delivery.message_id,
        user_id=delivery.user_id,
        channel=channel,  # type: ignore[arg-type]
        source_event_id=delivery.source_event_id,
        reason=reason,
    )


async def emit_outcome(
    session: AsyncSession, delivery: Delivery | Any, *, reason: str | None
) -> None:
    """Announce a delivery's final outcome in the transaction that records it."""
    await outbox.add(session, _outcome_event(delivery, reason), subject=str(delivery.message_id))


async def emit_outcomes(
    session: AsyncSession, outcomes: Sequence[tuple[Delivery | Any, str | None]]
) -> None:
    """`emit_outcome` for many deliveries at once: one multi-row insert into the outbox."""
    await outbox.add_many(
        session,
        [
            (_outcome_event(delivery, reason), str(delivery.message_id))
            for delivery, reason in outcomes
        ],
    )


def outcome_rows(outcomes: Sequence[tuple[Delivery | Any, str | None]]) -> list[dict[str, Any]]:
    """Outbox rows announcing the outcomes, for the batched insert that records them."""
    return [
        outbox.row(
            outbox.envelope(_outcome_event(delivery, reason), subject=str(delivery.message_id))
        )
        for delivery, reason in outcomes
    ]
