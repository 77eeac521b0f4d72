"""Keeping the contacts identity announces; functions flush, the calling scope commits."""

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.events.catalogue import UserContactsChanged
from educert_common.events.envelope import EventEnvelope
from notification.recipients.addressing import is_mainland_mobile, normalise_mobile
from notification.recipients.repository import RecipientRepository


async def apply_contacts(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Keep the newest contacts identity announced for a user."""
    event = UserContactsChanged.model_validate(envelope.data)
    mobile = normalise_mobile(event.mobile) if event.mobile else None
    await RecipientRepository(session).upsert(
        {
            "user_id": event.user_id,
            "email": event.email.strip() if event.email else None,
            "email_verified": event.email_verified,
            "mobile": mobile,
            # Trust identity's flag only when the number also looks like a mainland one.
            "mobile_is_mainland": bool(
                mobile and event.mobile_is_mainland and is_mainland_mobile(mobile)
            ),
            "locale": event.locale,
            "contacts_as_of": envelope.occurred_at,
        }
    )
