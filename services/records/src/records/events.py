"""Events the records service consumes (type -> handler) and emits (through the outbox).

Emitted: records.record.reported (academic.service), records.record.bound and
records.record.unbound (binding.service). Consumed: identity.user.realname_verified, which
keeps records' copy of the verified account and binds the records that match it.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.events.catalogue import UserRealnameVerified
from educert_common.events.consumer import EventHandler
from educert_common.events.envelope import EventEnvelope
from educert_common.events.outbox import Outbox
from records.base import messaging
from records.binding import service as binding

# Handlers run outside a request; they write events through records' own outbox.
outbox = Outbox(messaging, source="records")


async def on_realname_verified(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Keep the verified account and bind every record that matches it."""
    event = UserRealnameVerified.model_validate(envelope.data)
    await binding.account_verified(session, outbox, event=event, event_id=envelope.id)


HANDLERS: dict[str, EventHandler] = {
    UserRealnameVerified.event_type: on_realname_verified,
}
