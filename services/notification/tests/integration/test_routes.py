"""Routes are created and changed through the service, in the caller's transaction."""

import uuid

from educert_common.db import Database
from notification.routing import service
from notification.routing.repository import RouteRepository


async def test_a_new_route_is_created_then_changed(database: Database) -> None:
    event_type = f"payment.order.check_{uuid.uuid4().hex[:8]}"
    async with database.transaction() as session:
        created = await service.put_route(
            session,
            actor="operator-1",
            event_type=event_type,
            template_key="order_paid",
            channels=["inbox", "email", "inbox"],
            essential=False,
            rate_limited=False,
            enabled=True,
        )
        assert created.channels == ["inbox", "email"]
    async with database.transaction() as session:
        await service.put_route(
            session,
            actor="operator-1",
            event_type=event_type,
            template_key="order_paid",
            channels=["inbox"],
            essential=False,
            rate_limited=True,
            enabled=False,
        )
    async with database.transaction() as session:
        stored = await RouteRepository(session).for_update(event_type)
        assert stored is not None
        assert (stored.channels, stored.rate_limited, stored.enabled) == (["inbox"], True, False)
