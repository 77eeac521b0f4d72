"""Events the payment service consumes (type -> handler) and emits (through the outbox).

Emitted: payment.order.created / paid / expired / refunded (see payment.orders.service and
payment.refunds.service). Consumed: certification.application.withdrawn, which refunds what
was paid for the application (certification and courier fees).
"""

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.events.catalogue import ApplicationWithdrawn
from educert_common.events.consumer import EventHandler
from educert_common.events.envelope import EventEnvelope
from payment.base import audit
from payment.exceptions import NothingToRefund
from payment.orders.repository import OrderRepository
from payment.refunds import service as refunds

logger = logging.getLogger(__name__)

APPLICATION_PURPOSES = ("certification", "courier")


async def on_application_withdrawn(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Refund in full what was paid for a withdrawn application: its certification fee and,
    for a paper report, its courier fee (both carry the application id as reference)."""
    event = ApplicationWithdrawn.model_validate(envelope.data)
    repository = OrderRepository(session)
    orders = [
        order
        for purpose in APPLICATION_PURPOSES
        for order in await repository.paid_for(event.user_id, purpose, str(event.application_id))
    ]
    for order in orders:
        if order.refunded_fen >= order.amount_fen:
            continue
        try:
            await refunds.refund_order(
                session,
                audit,
                order_id=order.id,
                amount_fen=None,
                reason=f"申请已撤回 Application withdrawn: {event.reason}"[:200],
                actor="system",
                request_key=f"withdrawn:{event.application_id}",
                kind="withdrawal",
            )
        except NothingToRefund:
            continue  # refunded already by someone else
        logger.info(
            "refund requested for a withdrawn application", extra={"order_id": str(order.id)}
        )


HANDLERS: dict[str, EventHandler] = {
    ApplicationWithdrawn.event_type: on_application_withdrawn,
}
