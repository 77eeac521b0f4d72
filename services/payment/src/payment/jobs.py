"""Background jobs of the payment service, started and cancelled with the app.

- expiry: closes unpaid orders past their deadline at the providers, then marks them expired
- active query: asks the providers about started payments whose callback never came
- refunds: submits requested refunds, queries those still processing or left unknown
- reconciliation: once a day, yesterday's statements of every channel
Every step runs in its own transaction and takes its rows with SKIP LOCKED, so several
replicas can run the same jobs.
"""

import asyncio
import logging
from datetime import date, datetime, timedelta

from educert_common.app import ServiceRuntime
from educert_common.db import utcnow
from educert_common.jobs import run_forever
from payment.config import PaymentSettings
from payment.orders import service as orders
from payment.orders.repository import OrderRepository
from payment.providers.base import CHINA
from payment.reconciliation import service as reconciliation
from payment.reconciliation.repository import RunRepository
from payment.refunds import service as refunds
from payment.refunds.repository import RefundRepository
from payment.runtime import close_providers, providers_for, refund_wakeup

logger = logging.getLogger(__name__)
BATCH = 50


def _settings(runtime: ServiceRuntime) -> PaymentSettings:
    assert isinstance(runtime.settings, PaymentSettings)
    return runtime.settings


async def expiry_job(runtime: ServiceRuntime) -> None:
    """Expire orders past their deadline (closing them at the providers first)."""
    settings = _settings(runtime)
    providers = providers_for(settings)

    async def step() -> int:
        async with runtime.database.transaction() as session:
            due = await OrderRepository(session).due_for_expiry(utcnow(), BATCH)
        expired = 0
        for order_id in due:
            async with runtime.database.transaction() as session:
                result = await orders.close_order(
                    session,
                    runtime.outbox,
                    providers,
                    order_id=order_id,
                    final_status="expired",
                    skip_locked=True,
                )
            expired += result == "expired"
        return expired if len(due) == BATCH else 0

    await run_forever("expiry", settings.expiry_sweep_seconds, step)


async def active_query_job(runtime: ServiceRuntime) -> None:
    """Query the providers about payments started long ago with no callback."""
    settings = _settings(runtime)
    providers = providers_for(settings)

    async def step() -> int:
        now = utcnow()
        async with runtime.database.transaction() as session:
            due = await OrderRepository(session).due_for_query(
                started_before=now - timedelta(seconds=settings.query_after_seconds),
                queried_before=now - timedelta(seconds=settings.query_every_seconds),
                limit=BATCH,
            )
        for order_id in due:
            async with runtime.database.transaction() as session:
                await orders.query_order(session, runtime.outbox, providers, order_id=order_id)
        return len(due) if len(due) == BATCH else 0

    await run_forever("active-query", min(settings.query_every_seconds, 5.0), step)


async def refund_job(runtime: ServiceRuntime) -> None:
    """Submit requested refunds; query the ones whose result has not come."""
    settings = _settings(runtime)
    providers = providers_for(settings)

    async def step() -> int:
        now = utcnow()
        async with runtime.database.transaction() as session:
            repository = RefundRepository(session)
            due = await repository.due_ids(now, BATCH)
            stale = await repository.processing_ids(
                now - timedelta(seconds=settings.refund_query_after_seconds), BATCH
            )
        for refund_id in due:
            async with runtime.database.transaction() as session:
                call = await refunds.claim_refund(session, refund_id=refund_id)
            if call is None:
                continue
            result = await refunds.call_provider(providers, call)
            async with runtime.database.transaction() as session:
                await refunds.record_submission(
                    session,
                    runtime.outbox,
                    call=call,
                    result=result,
                    retry_base=timedelta(seconds=settings.refund_retry_base_seconds),
                    max_tries=settings.refund_max_tries,
                )
        for refund_id in stale:
            async with runtime.database.transaction() as session:
                await refunds.query_refund(session, runtime.outbox, providers, refund_id=refund_id)
        return len(due) if len(due) == BATCH else 0

    await run_forever("refunds", settings.refund_poll_seconds, step, refund_wakeup())


def yesterday_in_china(now: datetime) -> date:
    return (now.astimezone(CHINA) - timedelta(days=1)).date()


async def reconciliation_job(runtime: ServiceRuntime) -> None:
    """Reconcile yesterday's statements once a day, after the providers publish them."""
    settings = _settings(runtime)
    providers = providers_for(settings)

    async def step() -> int:
        now = utcnow()
        if (
            not settings.reconcile_daily
            or now.astimezone(CHINA).hour < settings.reconcile_after_hour
        ):
            return 0
        day = yesterday_in_china(now)
        for channel in providers.enabled():
            async with runtime.database.transaction() as session:
                if await RunRepository(session).exists_for(day, channel):
                    continue
                await reconciliation.reconcile(
                    session, providers, day=day, channel=channel, actor="system"
                )
        return 0

    await run_forever("reconciliation", 600.0, step)


async def providers_lifetime(runtime: ServiceRuntime) -> None:
    """Hold the provider clients open while the app runs; close them when it stops."""
    settings = _settings(runtime)
    providers_for(settings)
    try:
        await asyncio.Event().wait()
    finally:
        await close_providers(settings)


JOBS = [providers_lifetime, expiry_job, active_query_job, refund_job, reconciliation_job]
