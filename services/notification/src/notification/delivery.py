"""The delivery worker: claims queued deliveries, sends them, records the outcome.

Claims use FOR UPDATE SKIP LOCKED, so several workers and replicas share the queue; each
claim sets status `sending`, a new attempt token and a lease. Only the holder of the current
token can record the outcome, in one transaction with the delivered/failed event.

Residual window (documented in docs/notification.md): if a worker dies after the provider
accepted a message and before the outcome commits, the lease runs out and another worker sends
again with the same reference (the e-mail's Message-ID, the carrier's OutId); a provider that
deduplicates on it absorbs the second send, one that does not delivers it twice.
"""

import asyncio
import logging
import random
import time
from datetime import timedelta
from typing import Any

from prometheus_client import Counter, Histogram
from sqlalchemy import Row

from educert_common.app import ServiceRuntime
from educert_common.db import Database, utcnow
from educert_common.wakeup import PostgresWakeup
from notification.channels import (
    EmailSender,
    HttpSmsCarrier,
    OutgoingEmail,
    OutgoingSms,
    SendError,
    SmsCarrier,
    SmtpEmailSender,
)
from notification.config import NotificationSettings
from notification.models import DELIVERY_CHANNEL, Channel, DeliveryStatus
from notification.repository import DeliveryRepository
from notification.service import emit_outcome

logger = logging.getLogger(__name__)

SENDS = Counter(
    "notification_sends_total", "Send attempts by channel and outcome", ["channel", "outcome"]
)
EVENT_TO_SENT = Histogram(
    "notification_delivery_latency_seconds",
    "From the delivery being written (event handled) to the provider accepting it",
    ["channel"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)


class DeliveryWorker:
    """Sends due deliveries with at most `delivery_concurrency` sends in flight."""

    def __init__(
        self,
        database: Database,
        settings: NotificationSettings,
        *,
        email: EmailSender,
        sms: SmsCarrier,
    ) -> None:
        self.database = database
        self.settings = settings
        self.email = email
        self.sms = sms
        self._wakeup = PostgresWakeup(database, DELIVERY_CHANNEL)
        self._stopping = asyncio.Event()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._saturated = False

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()

    async def run(self) -> None:
        """Loop until stopped or cancelled; in-flight sends get a grace period to record."""
        backoff = 0.0
        try:
            while not self._stopping.is_set():
                try:
                    await self._wakeup.ensure_listening()
                    self._wakeup.clear()
                    free = self.settings.delivery_concurrency - len(self._in_flight)
                    if free > 0:
                        rows = await self._claim(free)
                        self._saturated = len(rows) == free
                        for row in rows:
                            self._start(row)
                    else:
                        self._saturated = True
                    backoff = 0.0
                    if self._saturated and self._in_flight:
                        # Woken as soon as a send finishes and frees a slot.
                        await self._sleep(self.settings.delivery_poll_seconds)
                    elif not self._saturated:
                        await self._sleep(self.settings.delivery_poll_seconds)
                except Exception:
                    backoff = min(max(backoff * 2, 0.2), 30.0)
                    logger.exception("delivery worker failed, backing off")
                    await self._wakeup.close()
                    await self._sleep(backoff)
        finally:
            if self._in_flight:
                await asyncio.wait(set(self._in_flight), timeout=10)
            for task in self._in_flight:
                task.cancel()
            await self._wakeup.close()

    async def process_due(self, limit: int | None = None) -> int:
        """Claim what is due now, send it and wait for the outcomes (tests, benchmarks)."""
        rows = await self._claim(limit or self.settings.delivery_concurrency)
        await asyncio.gather(*(self._attempt(row) for row in rows))
        return len(rows)

    def _start(self, row: Row[Any]) -> None:
        task = asyncio.create_task(self._attempt(row))
        self._in_flight.add(task)

        def finished(done: asyncio.Task[None]) -> None:
            self._in_flight.discard(done)
            if self._saturated:
                self._wakeup.set()

        task.add_done_callback(finished)

    async def _claim(self, limit: int) -> list[Row[Any]]:
        async with self.database.transaction() as session:
            repository = DeliveryRepository(session)
            for stale in await repository.bury_stale(limit=limit):
                await emit_outcome(session, stale, reason="outcome_unknown")
                SENDS.labels(stale.channel, "dead").inc()
            return list(
                await repository.claim_due(
                    limit=limit, lease_seconds=self.settings.delivery_lease_seconds
                )
            )

    async def _send(self, row: Row[Any]) -> str:
        if row.channel == Channel.SMS:
            return await self.sms.send(
                OutgoingSms(
                    phone=row.destination,
                    template_code=row.sms_template_code or "",
                    params=row.sms_params or {},
                    reference=str(row.id),
                    text=row.body,
                )
            )
        if row.channel == Channel.EMAIL:
            return await self.email.send(
                OutgoingEmail(
                    to=row.destination,
                    subject=row.subject or "",
                    text=row.body,
                    html=row.html_body,
                    reference=str(row.id),
                )
            )
        raise SendError("unsupported_channel", str(row.channel), transient=False)

    async def _attempt(self, row: Row[Any]) -> None:
        started = time.perf_counter()
        try:
            provider_id = await self._send(row)
            error = None
        except SendError as exc:
            provider_id, error = None, exc
        except Exception as exc:  # a bug or an unexpected library error: retry, bounded
            logger.exception("send raised unexpectedly", extra={"delivery_id": str(row.id)})
            provider_id, error = None, SendError("internal_error", repr(exc)[:500], transient=True)
        elapsed = time.perf_counter() - started
        try:
            await self._record(row, provider_id, error)
        except Exception:
            # The lease runs out and another attempt follows (with the same reference).
            logger.exception("could not record a send outcome", extra={"delivery_id": str(row.id)})
            return
        logger.debug("send attempt", extra={"delivery_id": str(row.id), "seconds": elapsed})

    async def _record(
        self, row: Row[Any], provider_id: str | None, error: SendError | None
    ) -> None:
        now = utcnow()
        async with self.database.transaction() as session:
            repository = DeliveryRepository(session)
            if error is None:
                if await repository.record(
                    row.id,
                    row.attempt_token,
                    status=DeliveryStatus.SENT,
                    sent_at=now,
                    provider_message_id=(provider_id or "")[:200] or None,
                    failure_reason=None,
                ):
                    await emit_outcome(session, row, reason=None)
                    SENDS.labels(row.channel, "sent").inc()
                    EVENT_TO_SENT.labels(row.channel).observe(
                        (now - row.created_at).total_seconds()
                    )
                return
            if error.transient and row.attempts < row.max_attempts:
                await repository.record(
                    row.id,
                    row.attempt_token,
                    status=DeliveryStatus.QUEUED,
                    next_attempt_at=now + timedelta(seconds=self.backoff(row.attempts)),
                    failure_reason=error.reason[:64],
                    last_error=error.detail[:1000],
                )
                SENDS.labels(row.channel, "retry").inc()
                return
            if await repository.record(
                row.id,
                row.attempt_token,
                status=DeliveryStatus.FAILED,
                failure_reason=error.reason[:64],
                last_error=error.detail[:1000],
            ):
                await emit_outcome(session, row, reason=error.reason)
                SENDS.labels(row.channel, "failed").inc()

    def backoff(self, attempts: int) -> float:
        """Exponential backoff with jitter: base * 2^(attempts-1), capped, times 0.5-1."""
        settings = self.settings
        delay = min(
            settings.delivery_backoff_max_seconds,
            settings.delivery_backoff_base_seconds * 2 ** max(0, attempts - 1),
        )
        return delay * random.uniform(0.5, 1.0)

    async def _sleep(self, seconds: float) -> None:
        if self._stopping.is_set():
            return
        await self._wakeup.wait(seconds)


async def delivery_job(runtime: ServiceRuntime) -> None:
    """Background job of the service: one delivery worker per process."""
    settings = runtime.settings
    assert isinstance(settings, NotificationSettings)
    if not settings.delivery_enabled:
        return
    sms = HttpSmsCarrier(settings)
    worker = DeliveryWorker(runtime.database, settings, email=SmtpEmailSender(settings), sms=sms)
    try:
        await worker.run()
    finally:
        await sms.aclose()
