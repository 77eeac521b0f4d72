"""A user's notification preferences; functions flush, the calling scope commits."""

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.errors import Text
from notification import exceptions
from notification.access import owner_id
from notification.preferences.models import Preference
from notification.preferences.repository import PreferenceRepository
from notification.routing.repository import RouteRepository


async def get_preferences(session: AsyncSession, subject: str) -> bool:
    owner = owner_id(subject)
    return False if owner is None else await PreferenceRepository(session).is_muted(owner)


async def put_preferences(
    session: AsyncSession, subject: str, *, mute_non_essential: bool
) -> Preference:
    """Set the caller's mute preference (essential messages are never muted)."""
    owner = owner_id(subject)
    if owner is None:
        raise exceptions.InboxItemNotFound(
            Text("This account has no notification settings", "该账号没有通知设置")
        )
    return await PreferenceRepository(session).put(owner, mute_non_essential=mute_non_essential)


async def essential_event_types(session: AsyncSession) -> list[str]:
    """Event types whose SMS and e-mail reach a user whatever they muted, as delivery decides."""
    return await RouteRepository(session).essential_event_types()
