"""Events the notification service consumes (type -> handler) and emits (through the outbox).

Consumed: identity.user.contacts_changed (kept as the recipients table) and every catalogued
event about a user or carrying a destination; which of those reach anyone, through which
template and channels, is data (the routes table), not code. Emitted: notification.message.
delivered and notification.message.failed, written with the delivery's status change.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.events.catalogue import UserContactsChanged
from educert_common.events.consumer import EventHandler
from educert_common.events.envelope import EventEnvelope
from notification.config import NotificationSettings
from notification.messages import service as messages
from notification.recipients import service as recipients


async def on_contacts_changed(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Keep the user's contacts and locale for events that name only the user."""
    await recipients.apply_contacts(session, envelope)


def handlers(settings: NotificationSettings) -> dict[str, EventHandler]:
    """The handlers by event type, with the settings of the service that runs them."""

    async def on_routable_event(session: AsyncSession, envelope: EventEnvelope) -> None:
        """Write the message and its deliveries; the delivery worker sends them after commit."""
        await messages.notify(session, envelope, settings=settings)

    return {
        UserContactsChanged.event_type: on_contacts_changed,
        **{event_type: on_routable_event for event_type in messages.handled_event_types()},
    }
