"""Every query about routes, including the one lookup the event handler starts with."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, bindparam, false, literal, or_, select

from educert_common.repository import Repository
from notification.preferences.models import Preference
from notification.recipients.models import Recipient
from notification.routing.models import Route
from notification.routing.rules import ALWAYS_ESSENTIAL
from notification.templates.models import Template

# Whether a route's SMS and e-mail ignore the user's mute preference: flagged essential, or a
# code/link type whatever its flag says. The one definition: delivery reads it in `lookup`,
# the preferences answer lists the enabled routes it holds for, and template edits check it.
# Equalities, not `in_`: an IN list is expanded at every execution of the cached lookup
# statement: measured, a lookup costs ~45 us more CPU with `in_`, ~15 us with equalities.
IS_ESSENTIAL: ColumnElement[bool] = or_(
    Route.essential.is_(True), *(Route.event_type == t for t in sorted(ALWAYS_ESSENTIAL))
)


@dataclass(frozen=True, slots=True)
class RouteLookup:
    """What the handler needs to know before writing anything, read in one round trip."""

    route: Route
    templates: list[Template]  # of the route's template key, every channel and locale
    recipient: Recipient | None
    muted: bool
    essential: bool  # IS_ESSENTIAL of the route


def _lookup_statement(*, with_user: bool) -> Any:
    """Route + its templates (one row each) + the user's contacts and mute preference, and
    whether the route is essential."""
    if with_user:
        muted: Any = (
            select(Preference.mute_non_essential)
            .where(Preference.user_id == bindparam("user_id"))
            .scalar_subquery()
        )
        recipient_on: Any = Recipient.user_id == bindparam("user_id")
    else:
        muted, recipient_on = literal(False), false()
    return (
        select(Route, Template, Recipient, muted, IS_ESSENTIAL)
        .outerjoin(Template, Template.key == Route.template_key)
        .outerjoin(Recipient, recipient_on)
        .where(Route.event_type == bindparam("event_type"), Route.enabled.is_(True))
    )


# Built once: constructing a statement costs more than running its cached compiled form.
_LOOKUP = {True: _lookup_statement(with_user=True), False: _lookup_statement(with_user=False)}


class RouteRepository(Repository[Route]):
    model = Route

    async def lookup(self, event_type: str, user_id: uuid.UUID | None) -> RouteLookup | None:
        """The enabled route of `event_type` with its templates, whether it is essential, and
        the user's contacts and mute preference (one statement instead of one query each)."""
        rows = (
            await self.session.execute(
                _LOOKUP[user_id is not None], {"event_type": event_type, "user_id": user_id}
            )
        ).all()
        if not rows:
            return None
        route, _, recipient, is_muted, is_essential = rows[0]
        templates = [row[1] for row in rows if row[1] is not None]
        return RouteLookup(route, templates, recipient, bool(is_muted), bool(is_essential))

    async def all(self) -> Sequence[Route]:
        return await self.scalars(select(Route).order_by(Route.event_type))

    async def for_update(self, event_type: str) -> Route | None:
        return await self.scalar_one_or_none(
            select(Route).where(Route.event_type == event_type).with_for_update()
        )

    async def essential_event_types(self) -> list[str]:
        """Event types whose SMS and e-mail reach users whatever they muted: the enabled routes
        that are essential (a disabled route sends nothing at all), sorted."""
        found = await self.session.scalars(
            select(Route.event_type).where(Route.enabled.is_(True), IS_ESSENTIAL)
        )
        # Sorted here, not by ORDER BY: the database's collation may order '.' and '_' apart
        # from code points, and the answer should not depend on how the server was set up.
        return sorted(found)

    async def is_essential_key(self, template_key: str) -> bool:
        """Whether an essential route, enabled or not, uses `template_key`."""
        found = await self.session.scalar(
            select(literal(True)).where(Route.template_key == template_key, IS_ESSENTIAL).limit(1)
        )
        return bool(found)
