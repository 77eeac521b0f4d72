"""Operators' view of deliveries: search, resend, statistics; functions flush, the calling scope
commits."""

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.audit import AuditLog
from educert_common.db import utcnow
from educert_common.errors import Text
from educert_common.http.pagination import Page, PageParams
from notification import exceptions
from notification.base import Channel, audit
from notification.config import NotificationSettings
from notification.deliveries.models import Delivery, DeliveryStatus
from notification.deliveries.repository import DeliveryFilters, DeliveryRepository
from notification.limits import sms_budget
from notification.messages.repository import MessageRepository
from notification.recipients.addressing import normalise_mobile

audit_log: AuditLog = audit


async def search_deliveries(
    session: AsyncSession,
    params: PageParams,
    *,
    user_id: uuid.UUID | None = None,
    destination: str | None = None,
    source_event_id: uuid.UUID | None = None,
    event_type: str | None = None,
    status: str | None = None,
    channel: str | None = None,
) -> Page[Any]:
    """Find deliveries by user, destination, event, status or channel, newest first."""
    if destination:
        value = destination.strip()
        destination = value.lower() if "@" in value else normalise_mobile(value)
    filters = DeliveryFilters(
        user_id=user_id,
        destination=destination,
        source_event_id=source_event_id,
        event_type=event_type,
        status=status,
        channel=channel,
    )
    return await DeliveryRepository(session).search(filters, params)


async def get_delivery(session: AsyncSession, delivery_id: uuid.UUID) -> Delivery:
    delivery = await DeliveryRepository(session).get(delivery_id)
    if delivery is None:
        raise exceptions.DeliveryNotFound()
    return delivery


async def resend_delivery(session: AsyncSession, delivery_id: uuid.UUID, *, actor: str) -> Delivery:
    """Queue a failed or dead delivery again (same delivery, same idempotency reference)."""
    repository = DeliveryRepository(session)
    delivery = await repository.for_update(delivery_id)
    if delivery is None:
        raise exceptions.DeliveryNotFound()
    if delivery.status not in (DeliveryStatus.FAILED, DeliveryStatus.DEAD):
        raise exceptions.NotResendable()
    if delivery.channel == Channel.INBOX or not delivery.destination or not delivery.body:
        raise exceptions.NotResendable(
            Text("This delivery has nothing that could be sent", "该投递没有可发送的内容")
        )
    message = await MessageRepository(session).get(delivery.message_id)
    if message is not None and message.expires_at is not None and message.expires_at < utcnow():
        raise exceptions.MessageExpired()
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status = DeliveryStatus.QUEUED
    delivery.attempts = 0
    delivery.failure_reason = None
    delivery.next_attempt_at = utcnow()
    delivery.lease_until = None
    delivery.attempt_token = None
    await session.flush()
    await repository.wake_workers()
    await audit_log.record(
        session,
        actor=actor,
        action="delivery.resent",
        subject_type="delivery",
        subject_id=str(delivery.id),
        before=before,
        after={"status": delivery.status},
    )
    return delivery


async def sms_budget_status(
    session: AsyncSession, *, settings: NotificationSettings, now: datetime | None = None
) -> sms_budget.SmsBudget:
    """Today's SMS count against the global daily budget."""
    return await sms_budget.status(session, settings=settings, now=now or utcnow())


async def delivery_stats(
    session: AsyncSession,
    *,
    since: datetime | None,
    until: datetime | None,
    settings: NotificationSettings,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Counts per channel and status, send latency, the commonest failure reasons, and
    today's SMS budget."""
    until = until or datetime.now(UTC)
    since = since or until - timedelta(days=1)
    repository = DeliveryRepository(session)
    rows = await repository.stats(since, until)
    reasons = await repository.failure_reasons(since, until)
    budget = await sms_budget_status(session, settings=settings, now=now)
    return {
        "since": since,
        "until": until,
        "by_channel_and_status": [
            {
                "channel": row.channel,
                "status": row.status,
                "count": row.count,
                "p50_seconds": row.p50_seconds,
                "p99_seconds": row.p99_seconds,
            }
            for row in rows
        ],
        "failure_reasons": [
            {"reason": row.failure_reason or "unknown", "count": row.count} for row in reasons
        ],
        "sms_budget": dataclasses.asdict(budget),
    }
