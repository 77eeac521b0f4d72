"""Helpers for the notification tests (kept importable here, since test directories are not
packages): events as identity and payment write them, the consumer's handling of one event, a
delivery worker, the broker, the development processes. Queries go through the repositories."""

import asyncio
import contextlib
import importlib.util
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from educert_common.db import Database
from educert_common.events.catalogue import (
    ActivationLinkIssued,
    Event,
    OrderPaid,
    UserContactsChanged,
    VerificationCodeIssued,
)
from educert_common.events.envelope import EventEnvelope
from educert_common.testing.processes import RunningProcess
from notification.config import NotificationSettings
from notification.deliveries.channels import HttpSmsCarrier, SmtpEmailSender
from notification.deliveries.models import Delivery
from notification.deliveries.repository import DeliveryRepository
from notification.deliveries.worker import DeliveryWorker
from notification.inbox.repository import InboxRepository
from notification.messages import service as messages
from notification.recipients import service as recipients

_numbers = iter(range(10_000_000, 99_999_999))


def mainland_number() -> str:
    """A fresh mainland mobile number (unique per call in this run)."""
    return f"139{next(_numbers)}"


def fresh_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@example.com"


def envelope(event: Event, *, source: str, subject: str) -> EventEnvelope:
    """The envelope a producer's Outbox.add would write for `event`."""
    return EventEnvelope(
        type=event.event_type,
        version=event.event_version,
        source=source,
        subject=subject,
        data=event.model_dump(mode="json"),
    )


def code_issued(
    destination: str,
    *,
    user_id: uuid.UUID | None = None,
    channel: str = "sms",
    code: str = "482913",
    locale: str = "zh",
) -> EventEnvelope:
    event = VerificationCodeIssued(
        user_id=user_id,
        channel=channel,  # type: ignore[arg-type]
        destination=destination,
        code=code,
        purpose="register",
        expires_at=datetime.now(UTC) + timedelta(minutes=5),
        locale=locale,  # type: ignore[arg-type]
    )
    return envelope(event, source="identity", subject=str(user_id or destination))


def activation_link(user_id: uuid.UUID, email: str, *, locale: str = "en") -> EventEnvelope:
    event = ActivationLinkIssued(
        user_id=user_id,
        email=email,
        link=f"https://educert.local/activate?token={uuid.uuid4().hex}&lang={locale}",
        expires_at=datetime.now(UTC) + timedelta(hours=24),
        locale=locale,  # type: ignore[arg-type]
    )
    return envelope(event, source="identity", subject=str(user_id))


def contacts_changed(
    user_id: uuid.UUID,
    *,
    email: str | None,
    mobile: str | None,
    mainland: bool,
    locale: str = "zh",
) -> EventEnvelope:
    event = UserContactsChanged(
        user_id=user_id,
        email=email,
        email_verified=email is not None,
        mobile=mobile,
        mobile_is_mainland=mainland,
        locale=locale,  # type: ignore[arg-type]
    )
    return envelope(event, source="identity", subject=str(user_id))


def order_paid(user_id: uuid.UUID) -> EventEnvelope:
    order_id = uuid.uuid4()
    event = OrderPaid(
        order_id=order_id,
        user_id=user_id,
        purpose="certification",
        reference_id=f"CERT-{order_id.hex[:8]}",
        amount_fen=36000,
        channel="wechat",
        paid_at=datetime.now(UTC),
    )
    return envelope(event, source="payment", subject=str(order_id))


async def handle(
    database: Database,
    envelope: EventEnvelope,
    settings: NotificationSettings,
    *,
    now: datetime | None = None,
) -> None:
    """What the consumer does for one event: its handler in one transaction."""
    async with database.transaction() as session:
        if envelope.type == UserContactsChanged.event_type:
            await recipients.apply_contacts(session, envelope)
        else:
            await messages.notify(session, envelope, settings=settings, now=now)


@contextlib.asynccontextmanager
async def worker(
    database: Database, settings: NotificationSettings
) -> AsyncIterator[DeliveryWorker]:
    """A delivery worker sending through the development carrier and sink until the block ends."""
    sms = HttpSmsCarrier(settings)
    running = DeliveryWorker(database, settings, email=SmtpEmailSender(settings), sms=sms)
    task = asyncio.create_task(running.run())
    try:
        yield running
    finally:
        running.stop()
        await asyncio.wait_for(task, 15)
        await sms.aclose()


async def deliveries_of(database: Database, event_id: uuid.UUID) -> list[Delivery]:
    async with database.transaction() as session:
        return await DeliveryRepository(session).of_event(event_id)


async def inbox_count(database: Database, user_id: uuid.UUID) -> int:
    async with database.transaction() as session:
        return await InboxRepository(session).count_given(user_id)


async def carrier_messages(carrier_url: str, phone: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get(f"{carrier_url}/messages", params={"phone": phone})
        response.raise_for_status()
        return dict(response.json())


async def carrier_fault(
    carrier_url: str, phone: str, *, count: int, status: int = 503, delay: float = 0.0
) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.post(
            f"{carrier_url}/control/faults",
            json={"phone": phone, "count": count, "status": status, "delay_seconds": delay},
        )
        response.raise_for_status()


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class DevTools:
    """Where the development SMTP sink and SMS carrier of this run listen."""

    smtp_port: int
    carrier: RunningProcess
    sink: RunningProcess

    @property
    def env(self) -> dict[str, str]:
        return {
            "NOTIFICATION_SMTP_PORT": str(self.smtp_port),
            "NOTIFICATION_SMS_CARRIER_URL": self.carrier.url,
            "NOTIFICATION_DELIVERY_BACKOFF_BASE_SECONDS": "0.05",
            "NOTIFICATION_DELIVERY_POLL_SECONDS": "0.2",
            "NOTIFICATION_DELIVERY_MAX_ATTEMPTS": "3",
        }

    def settings(self, **overrides: object) -> NotificationSettings:
        values: dict[str, object] = {
            "smtp_port": self.smtp_port,
            "sms_carrier_url": self.carrier.url,
            "delivery_backoff_base_seconds": 0.05,
            "delivery_poll_seconds": 0.2,
            "delivery_max_attempts": 3,
            **overrides,
        }
        return NotificationSettings(**values)  # type: ignore[arg-type]


MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"
# The SMS length the save-time template check uses by default.
SMS_MAX_CHARS: int = NotificationSettings.model_fields["sms_max_chars"].default


def migration_module(name: str) -> ModuleType:
    """A migration of notification as a module (its routes and templates are data the template
    tests check; migrations are files, not an importable package)."""
    spec = importlib.util.spec_from_file_location(name, MIGRATIONS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
