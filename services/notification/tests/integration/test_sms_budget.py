"""The global daily SMS budget: counted in the database across replicas, non-essential SMS stop
first, codes use the reserve, operators are alerted at 80 % and 100 % (issue 8 §4.8)."""

import asyncio
import logging
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from educert_common.db import Database
from educert_common.events.envelope import EventEnvelope
from notification.deliveries import service
from notification.testing import (
    DevTools,
    code_issued,
    contacts_changed,
    deliveries_of,
    handle,
    mainland_number,
    order_paid,
)


def a_day_of_its_own() -> datetime:
    """A moment on a day no other test counts SMS on (the budget is per Asia/Shanghai day)."""
    return datetime(2300, 1, 1, 4, tzinfo=UTC) + timedelta(days=random.randrange(200_000))


async def sms_outcome(database: Database, event: EventEnvelope) -> tuple[str, str | None]:
    (sms,) = [d for d in await deliveries_of(database, event.id) if d.channel == "sms"]
    return sms.status, sms.failure_reason


async def test_two_replicas_racing_at_the_boundary_spend_the_budget_exactly(
    migrated_services: None, dev_tools: DevTools
) -> None:
    settings = dev_tools.settings(sms_daily_budget=5, sms_budget_essential_reserve_percent=0)
    now = a_day_of_its_own()
    url = settings.resolved_database_url()
    replicas = [Database.connect(url, pool_size=4), Database.connect(url, pool_size=4)]
    events = [code_issued(mainland_number()) for _ in range(12)]
    try:
        await asyncio.gather(
            *(handle(replicas[i % 2], e, settings, now=now) for i, e in enumerate(events))
        )
        outcomes = [await sms_outcome(replicas[0], event) for event in events]
        async with replicas[1].transaction() as session:
            budget = await service.sms_budget_status(session, settings=settings, now=now)
    finally:
        for replica in replicas:
            await replica.dispose()
    assert outcomes.count(("queued", None)) == 5
    assert outcomes.count(("failed", "sms_budget_exhausted")) == 7
    assert (budget.used, budget.limit) == (5, 5)


async def test_non_essential_sms_stop_first_codes_use_the_reserve_and_operators_are_told(
    database: Database, dev_tools: DevTools, caplog: pytest.LogCaptureFixture
) -> None:
    settings = dev_tools.settings(sms_daily_budget=10, sms_budget_essential_reserve_percent=20)
    now = a_day_of_its_own()
    users = [uuid.uuid4() for _ in range(9)]
    for user in users:
        event = contacts_changed(user, email=None, mobile=mainland_number(), mainland=True)
        await handle(database, event, settings, now=now)
    caplog.set_level(logging.WARNING, logger="notification")

    paid = [order_paid(user) for user in users]
    for event in paid:
        await handle(database, event, settings, now=now)
    assert [await sms_outcome(database, e) for e in paid] == [("queued", None)] * 8 + [
        ("failed", "sms_budget_exhausted")
    ]
    codes = [code_issued(mainland_number()) for _ in range(3)]
    for event in codes:
        await handle(database, event, settings, now=now)
    assert [await sms_outcome(database, e) for e in codes] == [("queued", None)] * 2 + [
        ("failed", "sms_budget_exhausted")
    ]

    alerts = [r.getMessage() for r in caplog.records if "SMS budget" in r.getMessage()]
    assert len(alerts) == 2 and "80%" in alerts[0] and "100%" in alerts[1]
    async with database.transaction() as session:
        stats = await service.delivery_stats(
            session, since=None, until=None, settings=settings, now=now
        )
    assert stats["sms_budget"]["used"] == 10
    assert stats["sms_budget"]["limit"] == 10
    assert stats["sms_budget"]["non_essential_limit"] == 8
