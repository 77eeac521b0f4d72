"""Events the certification service consumes (type -> handler) and emits (through the outbox).

Emitted: certification.application.<state> for every move of the state machine
(certification.applications.states). Consumed: identity.user.realname_verified (who may
apply, and the name the checks compare documents against); payment.order.paid and
payment.order.expired for the fees of applications (purposes certification and courier).
"""

import uuid
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from certification.accounts import service as accounts
from certification.applications import service as applications
from certification.base import audit, messaging
from certification.config import CertificationSettings
from certification.runtime import clock_for
from educert_common.events.catalogue import OrderExpired, OrderPaid, UserRealnameVerified
from educert_common.events.consumer import EventHandler
from educert_common.events.envelope import EventEnvelope
from educert_common.events.outbox import Outbox

# Handlers run outside a request; they write events through certification's own outbox.
outbox = Outbox(messaging, source="certification")
APPLICATION_PURPOSES = frozenset({"certification", "courier"})


def _application_id(reference_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(reference_id)
    except ValueError:
        return None


async def on_realname_verified(session: AsyncSession, envelope: EventEnvelope) -> None:
    await accounts.account_verified(session, UserRealnameVerified.model_validate(envelope.data))


def handlers(settings: CertificationSettings) -> Mapping[str, EventHandler]:
    clock = clock_for(settings)

    async def on_order_paid(session: AsyncSession, envelope: EventEnvelope) -> None:
        """A fee of an application was paid; when all are, it joins the queue."""
        event = OrderPaid.model_validate(envelope.data)
        application_id = _application_id(event.reference_id)
        if event.purpose not in APPLICATION_PURPOSES or application_id is None:
            return
        await applications.order_paid(
            session, audit, outbox, order_id=event.order_id, application_id=application_id,
            user_id=event.user_id, paid_at=event.paid_at, now=clock(),
        )  # fmt: skip

    async def on_order_expired(session: AsyncSession, envelope: EventEnvelope) -> None:
        """An application's order expired unpaid: it waits for a fresh order."""
        event = OrderExpired.model_validate(envelope.data)
        application_id = _application_id(event.reference_id)
        if event.purpose not in APPLICATION_PURPOSES or application_id is None:
            return
        await applications.order_expired(
            session, audit, order_id=event.order_id, application_id=application_id,
            user_id=event.user_id,
        )  # fmt: skip

    return {
        UserRealnameVerified.event_type: on_realname_verified,
        OrderPaid.event_type: on_order_paid,
        OrderExpired.event_type: on_order_expired,
    }
