"""Routes of event types to templates and channels; functions flush, the calling scope commits."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.audit import AuditLog
from educert_common.errors import FieldError, Text
from notification import exceptions
from notification.base import audit
from notification.routing.models import Route
from notification.routing.repository import RouteRepository
from notification.routing.rules import ALWAYS_ESSENTIAL
from notification.templates.repository import TemplateRepository

audit_log: AuditLog = audit


async def list_routes(session: AsyncSession) -> list[Route]:
    return list(await RouteRepository(session).all())


async def put_route(
    session: AsyncSession,
    *,
    actor: str,
    event_type: str,
    template_key: str,
    channels: list[str],
    essential: bool,
    rate_limited: bool,
    enabled: bool,
    is_admin: bool = False,
) -> Route:
    """Create or change the route of an event type; its templates must exist per channel.

    Routes of essential messages (and making a route essential) are for admins only."""
    available = await TemplateRepository(session).channels_of(template_key)
    missing = [c for c in channels if c not in available]
    if missing:
        raise exceptions.RouteRefused(
            errors=[
                FieldError(
                    "channels",
                    "template_missing",
                    Text(
                        f"No {template_key} template for: {', '.join(missing)}",
                        f"模板 {template_key} 缺少渠道：{', '.join(missing)}",
                    ),
                )
            ]
        )
    if event_type in ALWAYS_ESSENTIAL:
        essential = True
    repository = RouteRepository(session)
    route = await repository.for_update(event_type)
    if not is_admin and (essential or (route is not None and route.essential)):
        raise exceptions.AdminOnly()
    before = None if route is None else _route_snapshot(route)
    if route is None:
        route = Route(event_type=event_type)
    route.template_key = template_key
    route.channels = list(dict.fromkeys(channels))
    route.essential = essential
    route.rate_limited = rate_limited
    route.enabled = enabled
    if before is None:
        await repository.add(route)
    else:
        await session.flush()
    await audit_log.record(
        session,
        actor=actor,
        action="route.updated" if before else "route.created",
        subject_type="route",
        subject_id=event_type,
        before=before,
        after=_route_snapshot(route),
    )
    return route


def _route_snapshot(route: Route) -> dict[str, Any]:
    return {
        "template_key": route.template_key,
        "channels": list(route.channels),
        "essential": route.essential,
        "rate_limited": route.rate_limited,
        "enabled": route.enabled,
    }
