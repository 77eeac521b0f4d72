"""Handlers and delivery workers against the real database, SMTP sink and SMS carrier."""

import asyncio
import uuid

import pytest
from sqlalchemy import any_, literal, select, update

from educert_common.db import Database
from educert_common.events.catalogue import ContactChangeAnnounced
from educert_common.testing.waiting import wait_until
from notification.config import NotificationSettings
from notification.deliveries.channels import HttpSmsCarrier, SmtpEmailSender
from notification.deliveries.repository import DeliveryRepository
from notification.deliveries.worker import DeliveryWorker
from notification.models import CapturedMail, Delivery, messaging
from notification.preferences import service as preferences
from notification.templates import service as templates
from notification.testing import (
    DevTools,
    carrier_fault,
    carrier_messages,
    code_issued,
    contacts_changed,
    deliveries_of,
    envelope,
    fresh_email,
    handle,
    inbox_count,
    mainland_number,
    order_paid,
    worker,
)


async def statuses(database: Database, event_id: uuid.UUID) -> dict[str, str]:
    return {d.channel: d.status for d in await deliveries_of(database, event_id)}


async def test_code_event_queues_one_sms_and_one_inbox_entry_then_sends(
    database: Database, dev_tools: DevTools
) -> None:
    settings = dev_tools.settings()
    user_id, phone = uuid.uuid4(), mainland_number()
    event = code_issued(phone, user_id=user_id, code="731942")
    await handle(database, event, settings)

    assert await statuses(database, event.id) == {"inbox": "sent", "sms": "queued"}
    assert await inbox_count(database, user_id) == 1
    async with worker(database, settings):
        await wait_until(lambda: _status_is(database, event.id, "sms", "sent"), message="sms sent")
    received = await carrier_messages(dev_tools.carrier.url, phone)
    assert len(received["items"]) == 1
    message = received["items"][0]
    assert message["params"] == {"code": "731942", "expires_minutes": "5"}
    assert message["template_code"] == "SMS_EDUCERT_CODE_ZH"
    (sms,) = [d for d in await deliveries_of(database, event.id) if d.channel == "sms"]
    assert message["out_id"] == str(sms.id)
    assert sms.provider_message_id == message["biz_id"]
    assert await _outbox_types(database, sms.message_id) == [
        "notification.message.delivered",
        "notification.message.delivered",
    ]


async def _status_is(database: Database, event_id: uuid.UUID, channel: str, status: str) -> bool:
    return (await statuses(database, event_id)).get(channel) == status


async def _outbox_types(database: Database, message_id: uuid.UUID) -> list[str]:
    outbox = messaging.outbox
    async with database.transaction() as session:
        rows = await session.execute(
            select(outbox.c.event_type).where(outbox.c.payload["subject"].astext == str(message_id))
        )
        return sorted(row[0] for row in rows)


async def test_the_old_number_is_told_when_the_mobile_changes(
    database: Database, dev_tools: DevTools
) -> None:
    settings = dev_tools.settings()
    user_id, old_phone = uuid.uuid4(), mainland_number()
    event = envelope(
        ContactChangeAnnounced(
            user_id=user_id,
            channel="sms",
            destination=old_phone,
            changed="mobile",
            new_value_masked="139****0000",
        ),
        source="identity",
        subject=str(user_id),
    )
    await handle(database, event, settings)

    assert await statuses(database, event.id) == {"inbox": "sent", "sms": "queued"}
    async with worker(database, settings):
        await wait_until(lambda: _status_is(database, event.id, "sms", "sent"), message="sms sent")
    received = await carrier_messages(dev_tools.carrier.url, old_phone)
    assert [m["template_code"] for m in received["items"]] == ["SMS_EDUCERT_CONTACT_CHANGED_ZH"]
    assert received["items"][0]["params"]["new_value_masked"] == "139****0000"


async def test_limits_hold_under_concurrent_events_from_two_workers(
    migrated_services: None, dev_tools: DevTools
) -> None:
    settings = dev_tools.settings()
    url = settings.resolved_database_url()
    # Two replicas: separate engines, separate connections, the same destination at once.
    replicas = [Database.connect(url, pool_size=4), Database.connect(url, pool_size=4)]
    phone = mainland_number()
    events = [code_issued(phone, code=f"{i:06d}") for i in range(6)]
    try:
        await asyncio.gather(
            *(handle(replicas[i % 2], event, settings) for i, event in enumerate(events))
        )
        outcomes = []
        for event in events:
            (delivery,) = await deliveries_of(replicas[0], event.id)
            outcomes.append((delivery.status, delivery.failure_reason))
    finally:
        for replica in replicas:
            await replica.dispose()
    assert outcomes.count(("queued", None)) == 1
    assert outcomes.count(("failed", "rate_limited_minute")) == 5


async def test_daily_limit_counts_every_send_to_a_destination(
    database: Database, dev_tools: DevTools
) -> None:
    settings = dev_tools.settings(code_limit_per_minute=100, code_limit_per_day=3)
    email = fresh_email()
    events = [code_issued(email, channel="email", code=f"{i:06d}") for i in range(5)]
    for event in events:
        await handle(database, event, settings)
    reasons = [(await deliveries_of(database, e.id))[0].failure_reason for e in events]
    assert reasons == [None, None, None, "rate_limited_day", "rate_limited_day"]


async def test_two_workers_send_every_delivery_exactly_once(
    migrated_services: None, dev_tools: DevTools
) -> None:
    settings = dev_tools.settings(delivery_concurrency=8)
    url = settings.resolved_database_url()
    replicas = [Database.connect(url, pool_size=8), Database.connect(url, pool_size=8)]
    phones = [mainland_number() for _ in range(40)]
    events = [code_issued(phone) for phone in phones]
    try:
        for event in events:
            await handle(replicas[0], event, settings)
        async with worker(replicas[0], settings), worker(replicas[1], settings):

            async def all_sent() -> bool:
                for event in events:
                    if not await _status_is(replicas[0], event.id, "sms", "sent"):
                        return False
                return True

            await wait_until(all_sent, timeout=30, message="every sms sent")
    finally:
        for replica in replicas:
            await replica.dispose()
    for phone in phones:
        received = await carrier_messages(dev_tools.carrier.url, phone)
        assert [m["requests"] for m in received["items"]] == [1]


async def test_carrier_failure_is_retried_then_marked_failed(
    database: Database, dev_tools: DevTools
) -> None:
    settings = dev_tools.settings()
    flaky, broken = mainland_number(), mainland_number()
    await carrier_fault(dev_tools.carrier.url, flaky, count=1)
    await carrier_fault(dev_tools.carrier.url, broken, count=100)
    recovers, fails = code_issued(flaky), code_issued(broken)
    await handle(database, recovers, settings)
    await handle(database, fails, settings)
    async with worker(database, settings):
        await wait_until(lambda: _status_is(database, recovers.id, "sms", "sent"), timeout=15)
        await wait_until(lambda: _status_is(database, fails.id, "sms", "failed"), timeout=15)
    (sent,) = await deliveries_of(database, recovers.id)
    assert sent.attempts == 2
    (failed,) = await deliveries_of(database, fails.id)
    assert failed.attempts == settings.delivery_max_attempts == 3
    assert failed.failure_reason == "carrier_http_503"
    assert await _outbox_types(database, failed.message_id) == ["notification.message.failed"]
    assert (await carrier_messages(dev_tools.carrier.url, broken))["items"] == []


async def test_a_restart_mid_send_resends_with_the_same_reference(
    database: Database, dev_tools: DevTools
) -> None:
    settings = dev_tools.settings(delivery_lease_seconds=0.2)
    phone = mainland_number()
    event = code_issued(phone)
    await handle(database, event, settings)
    sms = HttpSmsCarrier(settings)
    crashed = DeliveryWorker(database, settings, email=SmtpEmailSender(settings), sms=sms)
    try:
        # Worker A claims and sends, then "dies" before recording the outcome.
        async with database.transaction() as session:
            (row,) = await DeliveryRepository(session).claim_due(limit=10, lease_seconds=0.2)
        await crashed._send(row)

        async def lease_expired_and_resent() -> bool:
            await crashed.process_due()
            return await _status_is(database, event.id, "sms", "sent")

        await wait_until(lease_expired_and_resent, timeout=10)
        # A's late outcome is refused: the attempt token moved on.
        async with database.transaction() as session:
            assert not await DeliveryRepository(session).record(
                row.id, row.attempt_token, status="failed"
            )
    finally:
        await sms.aclose()
    received = await carrier_messages(dev_tools.carrier.url, phone)
    # The carrier saw two requests with one OutId and accepted one message.
    assert [(m["out_id"], m["requests"]) for m in received["items"]] == [(str(row.id), 2)]


async def test_a_send_that_keeps_dying_ends_dead(database: Database, dev_tools: DevTools) -> None:
    settings = dev_tools.settings()
    event = code_issued(mainland_number())
    await handle(database, event, settings)
    async with database.transaction() as session:
        await session.execute(
            update(Delivery)
            .where(Delivery.source_event_id == event.id)
            .values(status="sending", attempts=3, lease_until=Delivery.created_at)
        )
    sms = HttpSmsCarrier(settings)
    try:
        await DeliveryWorker(
            database, settings, email=SmtpEmailSender(settings), sms=sms
        ).process_due()
    finally:
        await sms.aclose()
    (delivery,) = await deliveries_of(database, event.id)
    assert (delivery.status, delivery.failure_reason) == ("dead", "outcome_unknown")


async def test_foreign_number_gets_email_not_sms(database: Database, dev_tools: DevTools) -> None:
    settings = dev_tools.settings()
    user_id, email = uuid.uuid4(), fresh_email("abroad")
    await handle(
        database,
        contacts_changed(user_id, email=email, mobile="+44 7700 900123", mainland=False),
        settings,
    )
    event = order_paid(user_id)
    await handle(database, event, settings)
    assert await statuses(database, event.id) == {"email": "queued", "inbox": "sent"}
    async with worker(database, settings):
        await wait_until(lambda: _status_is(database, event.id, "email", "sent"), timeout=15)
    async with database.transaction() as session:
        mail = (
            await session.scalars(
                select(CapturedMail).where(literal(email) == any_(CapturedMail.recipients))
            )
        ).one()
    assert "EduCert" in (mail.subject or "")

    # A code asked for by SMS to that foreign number goes to the user's e-mail instead.
    code = code_issued("+447700900123", user_id=user_id)
    await handle(database, code, settings)
    assert await statuses(database, code.id) == {"email": "queued", "inbox": "sent"}


async def test_muted_user_gets_no_sms_or_email_but_still_gets_codes(
    database: Database, dev_tools: DevTools
) -> None:
    settings = dev_tools.settings()
    user_id, phone = uuid.uuid4(), mainland_number()
    await handle(
        database,
        contacts_changed(user_id, email=fresh_email(), mobile=phone, mainland=True),
        settings,
    )
    async with database.transaction() as session:
        await preferences.put_preferences(session, str(user_id), mute_non_essential=True)
    paid = order_paid(user_id)
    await handle(database, paid, settings)
    assert await statuses(database, paid.id) == {"inbox": "sent"}
    code = code_issued(phone, user_id=user_id)
    await handle(database, code, settings)
    assert await statuses(database, code.id) == {"inbox": "sent", "sms": "queued"}


async def test_older_contacts_never_overwrite_newer_ones(
    database: Database, dev_tools: DevTools
) -> None:
    settings = dev_tools.settings()
    user_id = uuid.uuid4()
    newer = contacts_changed(user_id, email="new@example.com", mobile=None, mainland=False)
    older = contacts_changed(user_id, email="old@example.com", mobile=None, mainland=False)
    older = older.model_copy(update={"occurred_at": newer.occurred_at.replace(year=2020)})
    await handle(database, newer, settings)
    await handle(database, older, settings)
    async with database.transaction() as session:
        from notification.models import Recipient

        recipient = await session.get(Recipient, user_id)
    assert recipient is not None and recipient.email == "new@example.com"


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"body": "您的验证码为{{ code "}, "body", "template_syntax"),
        ({"body": "{{ no_such_name }}"}, "body", "template_render"),
        ({"body": "{{ code }}" + "很长" * 200}, "body", "sms_too_long"),
        ({"body": "{{ ''.__class__.__mro__ }}"}, "body", "template_render"),
        ({"subject": "not for sms"}, "subject", "subject_not_allowed"),
    ],
)
async def test_broken_templates_are_refused_at_save(
    database: Database, changes: dict[str, str], field: str, code: str
) -> None:
    from notification.exceptions import TemplateRefused
    from notification.models import Template

    async with database.transaction() as session:
        template = (
            await session.scalars(
                select(Template).where(
                    Template.key == "verification_code",
                    Template.channel == "sms",
                    Template.locale == "zh",
                )
            )
        ).one()
        with pytest.raises(TemplateRefused) as refused:
            await templates.update_template(
                session,
                template.id,
                actor="admin-1",
                changes=changes,
                settings=NotificationSettings(),
                is_admin=True,
            )
    assert [(e.field, e.code) for e in refused.value.errors] == [(field, code)]
