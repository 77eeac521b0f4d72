"""One-time codes and links leave no trace in what notification stores once delivered."""

import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from educert_common.db import Database
from educert_common.events.catalogue import VerificationCodeIssued
from educert_common.events.envelope import EventEnvelope
from educert_common.testing.waiting import wait_until
from notification.deliveries.repository import DeliveryRepository
from notification.testing import (
    DevTools,
    carrier_fault,
    carrier_messages,
    code_issued,
    deliveries_of,
    envelope,
    fresh_email,
    handle,
    mainland_number,
    worker,
)


def _code_event(phone: str, code: str, *, expires_in: timedelta) -> EventEnvelope:
    event = VerificationCodeIssued(
        user_id=None,
        channel="sms",
        destination=phone,
        code=code,
        purpose="reset_password",
        expires_at=datetime.now(UTC) + expires_in,
        locale="zh",
    )
    return envelope(event, source="identity", subject=phone)


async def _stored_text(database: Database, event_id: uuid.UUID) -> str:
    """Every column of every row notification keeps about one event, as text."""
    async with database.transaction() as session:
        rows = await session.execute(
            text(
                """
                SELECT row_to_json(d)::text FROM deliveries d WHERE d.source_event_id = :id
                UNION ALL
                SELECT row_to_json(m)::text FROM messages m WHERE m.source_event_id = :id
                UNION ALL
                SELECT row_to_json(i)::text FROM inbox_items i
                  JOIN messages m ON m.id = i.message_id WHERE m.source_event_id = :id
                UNION ALL
                SELECT row_to_json(o)::text FROM outbox_events o
                  JOIN messages m ON o.payload->>'subject' = m.id::text
                 WHERE m.source_event_id = :id
                UNION ALL
                SELECT row_to_json(s)::text FROM send_log s
                  JOIN deliveries d ON d.id = s.delivery_id WHERE d.source_event_id = :id
                UNION ALL
                SELECT row_to_json(e)::text FROM inbox_events e WHERE e.event_id = :id
                UNION ALL
                SELECT row_to_json(a)::text FROM audit_entries a
                  JOIN deliveries d ON a.subject_id = d.id::text WHERE d.source_event_id = :id
                """
            ),
            {"id": event_id},
        )
        return "\n".join(row[0] for row in rows)


async def test_a_delivered_code_is_kept_in_no_stored_row(
    database: Database, dev_tools: DevTools
) -> None:
    settings = dev_tools.settings()
    phone, address = mainland_number(), fresh_email("code")
    by_sms = code_issued(phone, user_id=uuid.uuid4(), code="583920")
    by_email = code_issued(address, user_id=uuid.uuid4(), channel="email", code="583921")
    await handle(database, by_sms, settings)
    await handle(database, by_email, settings)
    assert "583920" in await _stored_text(database, by_sms.id)  # needed until it is sent

    async def all_sent() -> bool:
        statuses = {
            d.status for e in (by_sms, by_email) for d in await deliveries_of(database, e.id)
        }
        return statuses == {"sent"}

    async with worker(database, settings):
        await wait_until(all_sent, timeout=15, message="codes sent")
    (received,) = (await carrier_messages(dev_tools.carrier.url, phone))["items"]
    assert received["params"]["code"] == "583920"
    for event, code in ((by_sms, "583920"), (by_email, "583921")):
        stored = await _stored_text(database, event.id)
        assert stored and code not in stored
        for delivery in await deliveries_of(database, event.id):
            assert delivery.redacted_at is not None and delivery.body == ""


async def test_a_retry_before_sending_still_sends_the_code(
    database: Database, dev_tools: DevTools
) -> None:
    settings = dev_tools.settings()
    phone = mainland_number()
    await carrier_fault(dev_tools.carrier.url, phone, count=1)
    event = code_issued(phone, code="771204")
    await handle(database, event, settings)
    async with worker(database, settings):

        async def sent() -> bool:
            return [d.status for d in await deliveries_of(database, event.id)] == ["sent"]

        await wait_until(sent, timeout=15, message="sent after a retry")
    (received,) = (await carrier_messages(dev_tools.carrier.url, phone))["items"]
    assert received["params"]["code"] == "771204"
    (delivery,) = await deliveries_of(database, event.id)
    assert delivery.attempts == 2
    assert "771204" not in await _stored_text(database, event.id)


async def test_a_failed_code_stays_resendable_until_it_expires_then_is_swept(
    database: Database, dev_tools: DevTools
) -> None:
    settings = dev_tools.settings()
    valid_phone, expired_phone = mainland_number(), mainland_number()
    for phone in (valid_phone, expired_phone):
        await carrier_fault(dev_tools.carrier.url, phone, count=100)
    valid = _code_event(valid_phone, "318650", expires_in=timedelta(minutes=5))
    expired = _code_event(expired_phone, "318651", expires_in=timedelta(seconds=-1))
    await handle(database, valid, settings)
    await handle(database, expired, settings)

    async def both_failed() -> bool:
        statuses = [d.status for e in (valid, expired) for d in await deliveries_of(database, e.id)]
        return statuses == ["failed", "failed"]

    async with worker(database, settings):
        await wait_until(both_failed, timeout=20, message="both failed")
    async with database.transaction() as session:
        await DeliveryRepository(session).redact_final(limit=1000)
    assert "318650" in await _stored_text(database, valid.id)  # an operator may still resend
    assert "318651" not in await _stored_text(database, expired.id)


async def test_a_database_error_shows_no_bound_parameters(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "code-904417"
    with pytest.raises(DBAPIError) as raised:
        async with database.transaction() as session:
            await session.execute(text("SELECT CAST(:value AS text), 1 / 0"), {"value": secret})
    logging.getLogger("test").error("query failed", exc_info=raised.value)
    assert secret not in str(raised.value)
    assert secret not in caplog.text
