"""The preferences answer names exactly the event types delivery treats as essential: what
migrations made essential, nothing a user may mute, and it follows an admin's changes."""

import uuid

import pytest

from educert_common.db import Database
from notification import exceptions
from notification.config import NotificationSettings
from notification.preferences import service as preferences
from notification.routing import service as routing
from notification.routing.repository import RouteRepository
from notification.testing import (
    contacts_changed,
    deliveries_of,
    fresh_email,
    handle,
    mainland_number,
    order_paid,
)


async def _answer(database: Database) -> list[str]:
    async with database.transaction() as session:
        return await preferences.essential_event_types(session)


async def _put_route(
    database: Database, event_type: str, *, essential: bool, enabled: bool, is_admin: bool
) -> None:
    async with database.transaction() as session:
        await routing.put_route(
            session,
            actor="admin-1" if is_admin else "operator-1",
            event_type=event_type,
            template_key="order_paid",
            channels=["sms", "email", "inbox"],
            essential=essential,
            rate_limited=False,
            enabled=enabled,
            is_admin=is_admin,
        )


async def test_the_answer_lists_the_routes_migrations_made_essential(database: Database) -> None:
    answer = await _answer(database)
    assert answer == sorted(answer)
    assert {
        "identity.verification_code.issued",
        "identity.activation_link.issued",
        "identity.contact_change.announced",
        "certification.application.returned",
        "records.degree_application.disqualified",
        "certification.certificate.revoked",
    } <= set(answer)
    # Results the applicant waits on may be muted.
    for mutable in (
        "certification.application.certified",
        "certification.application.refused",
        "records.degree_application.returned",
        "payment.order.paid",
    ):
        assert mutable not in answer


async def test_the_answer_is_what_delivery_decides_for_every_route(database: Database) -> None:
    answer = set(await _answer(database))
    async with database.transaction() as session:
        repository = RouteRepository(session)
        for route in await repository.all():
            found = await repository.lookup(route.event_type, None)
            if found is None:  # disabled: nothing is delivered, muted or not
                assert route.event_type not in answer
            else:
                assert found.essential == (route.event_type in answer), route.event_type


async def test_an_admin_turning_essential_off_takes_a_route_off_the_list(
    database: Database,
) -> None:
    settings = NotificationSettings()
    event_type = f"payment.order.check_{uuid.uuid4().hex[:8]}"
    user_id = uuid.uuid4()
    await handle(
        database,
        contacts_changed(user_id, email=fresh_email(), mobile=mainland_number(), mainland=True),
        settings,
    )
    async with database.transaction() as session:
        await preferences.put_preferences(session, str(user_id), mute_non_essential=True)

    async def delivered_channels() -> set[str]:
        event = order_paid(user_id).model_copy(update={"type": event_type})
        await handle(database, event, settings)
        return {d.channel for d in await deliveries_of(database, event.id)}

    await _put_route(database, event_type, essential=True, enabled=True, is_admin=True)
    assert event_type in await _answer(database)
    assert await delivered_channels() == {"sms", "email", "inbox"}

    # Operators may not touch the route of an essential message.
    with pytest.raises(exceptions.AdminOnly):
        await _put_route(database, event_type, essential=False, enabled=True, is_admin=False)
    assert event_type in await _answer(database)

    await _put_route(database, event_type, essential=False, enabled=True, is_admin=True)
    assert event_type not in await _answer(database)
    assert await delivered_channels() == {"inbox"}

    # Essential but disabled: nothing is sent at all, so the answer does not promise it.
    await _put_route(database, event_type, essential=True, enabled=False, is_admin=True)
    assert event_type not in await _answer(database)
    assert await delivered_channels() == set()
