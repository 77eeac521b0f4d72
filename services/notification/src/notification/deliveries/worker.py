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
import math
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter, Histogram
from sqlalchemy import Row

from educert_common.app import ServiceRuntime
from educert_common.db import Database, utcnow
from educert_common.wakeup import PostgresWakeup
from notification.base import Channel
from notification.config import NotificationSettings
from notification.deliveries.channels import (
    EmailSender,
    HttpSmsCarrier,
    OutgoingEmail,
    OutgoingSms,
    SendError,
    SmsCarrier,
    SmtpEmailSender,
)
from notification.deliveries.models import DELIVERY_CHANNEL, DeliveryStatus
from notification.deliveries.outcomes import emit_outcomes
from notification.deliveries.repository import DeliveryRepository
from notification.templates.secrecy import scrub, secret_values

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


def without_secrets(error: SendError, sms_params: dict[str, Any] | None) -> SendError:
    """A provider's error text about a secret-bearing message, safe to show operators.

    It may quote what it was sent: an SMS carrier its code parameter (scrubbed, the rest of
    the text kept), a mail server the body with the code or link (a 5xx quoting a "blocked
    URL"), which is not known here, so only the reason stays."""
    if not sms_params:
        return SendError(error.reason, "", transient=error.transient)
    detail = scrub(error.detail, secret_values(sms_params)) or ""
    return SendError(error.reason, detail, transient=error.transient)


@dataclass(slots=True)
class _Outcome:
    """What one attempt came to, waiting to be written with others in one transaction."""

    row: Row[Any]
    provider_id: str | None
    error: SendError | None
    at: datetime  # when the provider answered: `sent_at` of a sent delivery
    done: asyncio.Future[None]


class DeliveryWorker:
    """Sends due deliveries with at most `delivery_concurrency` sends in flight.

    Database work is batched: claims refill the free slots several at a time, and outcomes
    that finish while a batch is being written go together in the next transaction (each
    still guarded by its attempt token, each with its delivered/failed event).
    """

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
        # Refill when this many slots are free (one claim per send would cost a transaction
        # per delivery once the worker is saturated).
        self._refill = max(1, settings.delivery_concurrency // 5)
        self._pending: list[_Outcome] = []
        self._recording = False
        self._last_bury = -math.inf

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
                    if free >= self._refill or (free > 0 and not self._saturated):
                        rows = await self._claim(free, bury=self._bury_due())
                        self._saturated = len(rows) == free
                        for row in rows:
                            self._start(row)
                    else:
                        self._saturated = True
                    backoff = 0.0
                    # Woken by NOTIFY (new rows), by sends freeing enough slots, or by the poll.
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
        rows = await self._claim(limit or self.settings.delivery_concurrency, bury=True)
        await asyncio.gather(*(self._attempt(row) for row in rows))
        return len(rows)

    def _start(self, row: Row[Any]) -> None:
        task = asyncio.create_task(self._attempt(row))
        self._in_flight.add(task)

        def finished(done: asyncio.Task[None]) -> None:
            self._in_flight.discard(done)
            if self._saturated and (
                self.settings.delivery_concurrency - len(self._in_flight) >= self._refill
            ):
                self._wakeup.set()

        task.add_done_callback(finished)

    def _bury_due(self) -> bool:
        """Leases run for `delivery_lease_seconds`: looking for dead ones a few times per
        lease is enough (the scan covers every queued row, so not on every claim)."""
        now = time.monotonic()
        if now - self._last_bury < min(5.0, self.settings.delivery_lease_seconds / 4):
            return False
        self._last_bury = now
        return True

    async def _claim(self, limit: int, *, bury: bool = True) -> list[Row[Any]]:
        async with self.database.transaction() as session:
            repository = DeliveryRepository(session)
            if bury:
                stale = await repository.bury_stale(limit=limit)
                await emit_outcomes(session, [(row, "outcome_unknown") for row in stale])
                for row in stale:
                    SENDS.labels(row.channel, "dead").inc()
                # Bounded sweep: codes and links of final deliveries do not stay stored.
                await repository.redact_final(limit=self.settings.delivery_batch_size)
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
        outcome = _Outcome(
            row, provider_id, error, utcnow(), asyncio.get_running_loop().create_future()
        )
        try:
            await self._record_with_others(outcome)
        except Exception:
            # The lease runs out and another attempt follows (with the same reference).
            logger.exception("could not record a send outcome", extra={"delivery_id": str(row.id)})
            return
        logger.debug("send attempt", extra={"delivery_id": str(row.id), "seconds": elapsed})

    async def _record_with_others(self, outcome: _Outcome) -> None:
        """Group commit: the first outcome to arrive writes, in batches, every outcome that
        arrives while it writes; the others wait for the batch holding theirs."""
        self._pending.append(outcome)
        if not self._recording:
            self._recording = True
            batch: list[_Outcome] = []
            try:
                while self._pending:
                    size = self.settings.delivery_batch_size
                    batch, self._pending = self._pending[:size], self._pending[size:]
                    await self._record_batch(batch)
            finally:
                self._recording = False
                # Cancelled mid-batch: nobody is left to write these; their leases run out.
                for waiting in (*batch, *self._pending):
                    if waiting is not outcome and not waiting.done.done():
                        waiting.done.set_exception(RuntimeError("the recorder was cancelled"))
                self._pending = []
        await outcome.done

    async def _record_batch(self, batch: list[_Outcome]) -> None:
        try:
            await self._record(batch)
        except Exception as exc:
            if len(batch) == 1:
                batch[0].done.set_exception(exc)
                return
            # One bad outcome must not hold back the others: write them one by one.
            logger.warning("recording a batch failed; recording one by one", exc_info=True)
            for outcome in batch:
                try:
                    await self._record([outcome])
                except Exception as single:
                    outcome.done.set_exception(single)
                    continue
        for outcome in batch:
            if not outcome.done.done():
                outcome.done.set_result(None)

    async def _record(self, batch: list[_Outcome]) -> None:
        """Write the outcomes in one transaction, each only if its attempt still holds the
        delivery, with the delivered/failed event of each final outcome."""
        updates: list[dict[str, Any]] = []
        for outcome in batch:
            row, error = outcome.row, outcome.error
            if error is not None and row.carries_secret:
                error = without_secrets(error, row.sms_params)
            if error is None:
                updates.append(
                    {
                        "id": row.id,
                        "attempt_token": row.attempt_token,
                        "status": DeliveryStatus.SENT,
                        "sent_at": outcome.at,
                        "provider_message_id": (outcome.provider_id or "")[:200] or None,
                    }
                )
            elif error.transient and row.attempts < row.max_attempts:
                updates.append(
                    {
                        "id": row.id,
                        "attempt_token": row.attempt_token,
                        "status": DeliveryStatus.QUEUED,
                        "next_attempt_at": outcome.at
                        + timedelta(seconds=self.backoff(row.attempts)),
                        "failure_reason": error.reason[:64],
                        "last_error": error.detail[:1000],
                    }
                )
            else:
                updates.append(
                    {
                        "id": row.id,
                        "attempt_token": row.attempt_token,
                        "status": DeliveryStatus.FAILED,
                        "failure_reason": error.reason[:64],
                        "last_error": error.detail[:1000],
                    }
                )
        async with self.database.transaction() as session:
            recorded = await DeliveryRepository(session).record_many(updates)
            final: list[tuple[Row[Any], str | None]] = []
            for outcome, values in zip(batch, updates, strict=True):
                row, error = outcome.row, outcome.error
                if row.id not in recorded:
                    continue  # a superseded attempt: its outcome is ignored
                status = values["status"]
                if status == DeliveryStatus.SENT:
                    final.append((row, None))
                    SENDS.labels(row.channel, "sent").inc()
                    EVENT_TO_SENT.labels(row.channel).observe(
                        (outcome.at - row.created_at).total_seconds()
                    )
                elif status == DeliveryStatus.FAILED:
                    assert error is not None
                    final.append((row, error.reason))
                    SENDS.labels(row.channel, "failed").inc()
                else:
                    SENDS.labels(row.channel, "retry").inc()
            await emit_outcomes(session, final)

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
    """Background job of the service: one delivery worker per process, on its own pool."""
    settings = runtime.settings
    assert isinstance(settings, NotificationSettings)
    if not settings.delivery_enabled:
        return
    database = Database.connect(
        settings.resolved_database_url(), pool_size=settings.delivery_pool_size
    )
    sms = HttpSmsCarrier(settings)
    email = SmtpEmailSender(settings)
    worker = DeliveryWorker(database, settings, email=email, sms=sms)
    try:
        await worker.run()
    finally:
        await sms.aclose()
        await email.aclose()
        await database.dispose()
