"""Domain rules of refunds; functions flush, the calling scope commits.

A refund reserves its amount on the payment attempt under the attempt's row lock, so what is
requested, in flight and refunded together never exceeds what was paid (a check constraint
holds the same line in the database). A worker submits requested refunds to the provider; the
provider's answer, callback or a later query completes them, and `payment.order.refunded` is
emitted once, on completion.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.audit import AuditLog
from educert_common.db import utcnow
from educert_common.events.catalogue import OrderRefunded
from educert_common.events.outbox import Outbox
from payment.exceptions import (
    NothingToRefund,
    OrderNotFound,
    OrderNotPaid,
    RefundKeyReused,
    refund_exceeds,
)
from payment.orders.models import Order, PaymentAttempt, ProviderNotification
from payment.orders.repository import AttemptRepository, NotificationRepository, OrderRepository
from payment.providers.base import ProviderError, ProviderRejected, RefundNotice, RefundResult
from payment.providers.registry import Providers
from payment.refunds.models import Refund
from payment.refunds.repository import RefundRepository

logger = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(minutes=10)
LEASE = timedelta(seconds=60)


async def request_refund(
    session: AsyncSession,
    *,
    order: Order,
    attempt: PaymentAttempt,
    amount_fen: int | None,
    kind: str,
    reason: str,
    actor: str,
    request_key: str,
) -> Refund:
    """Reserve and record a refund on a locked order and attempt (same key: same refund)."""
    refunds = RefundRepository(session)
    existing = await refunds.by_key(order.id, request_key)
    if existing is not None:
        if amount_fen is not None and existing.amount_fen != amount_fen:
            raise RefundKeyReused()
        return existing
    refundable = attempt.amount_fen - attempt.reserved_fen
    if refundable <= 0:
        raise NothingToRefund()
    amount = refundable if amount_fen is None else amount_fen
    if amount > refundable:
        raise refund_exceeds(refundable)
    attempt.reserved_fen += amount
    return await refunds.add(
        Refund(
            order_id=order.id,
            attempt_id=attempt.id,
            channel=attempt.channel,
            amount_fen=amount,
            status="requested",
            kind=kind,
            reason=reason[:200],
            requested_by=actor[:100],
            request_key=request_key[:200],
            tries=0,
            next_try_at=utcnow(),
        )
    )


async def refund_order(
    session: AsyncSession,
    audit: AuditLog,
    *,
    order_id: uuid.UUID,
    amount_fen: int | None,
    reason: str,
    actor: str,
    request_key: str,
    kind: str = "operator",
) -> Refund:
    """Refund (part of) what was paid for an order; audited."""
    order = await OrderRepository(session).lock(order_id)
    if order is None:
        raise OrderNotFound()
    if order.status != "paid" or order.paid_attempt_id is None:
        raise OrderNotPaid()
    attempt = await AttemptRepository(session).lock(order.paid_attempt_id)
    assert attempt is not None
    before = {"reserved_fen": attempt.reserved_fen, "refunded_fen": order.refunded_fen}
    refund = await request_refund(
        session,
        order=order,
        attempt=attempt,
        amount_fen=amount_fen,
        kind=kind,
        reason=reason,
        actor=actor,
        request_key=request_key,
    )
    await audit.record(
        session,
        actor=actor,
        action="refund.requested",
        subject_type="order",
        subject_id=str(order.id),
        before=before,
        after={
            "refund_id": str(refund.id),
            "amount_fen": refund.amount_fen,
            "kind": kind,
            "reason": reason,
            "reserved_fen": attempt.reserved_fen,
        },
    )
    return refund


async def list_refunds(session: AsyncSession, order_id: uuid.UUID) -> list[Refund]:
    return list(await RefundRepository(session).of_order(order_id))


async def complete_refund(
    session: AsyncSession, outbox: Outbox, refund: Refund, result: RefundResult
) -> str:
    """Record the provider's verdict on a refund (once: later verdicts change nothing)."""
    if refund.status in ("succeeded", "failed"):
        return "duplicate"
    if result.provider_refund_id:
        refund.provider_refund_id = result.provider_refund_id[:64]
    if result.status == "processing":
        refund.status = "processing"
        refund.submitted_at = refund.submitted_at or utcnow()
        await session.flush()
        return "processing"
    order = await OrderRepository(session).lock(refund.order_id)
    attempt = await AttemptRepository(session).lock(refund.attempt_id)
    assert order is not None and attempt is not None
    refund.completed_at = utcnow()
    if result.status == "failed":
        refund.status = "failed"
        attempt.reserved_fen -= refund.amount_fen
        await session.flush()
        logger.error("refund failed at the provider", extra={"refund_id": str(refund.id)})
        return "failed"
    refund.status = "succeeded"
    attempt.refunded_fen += refund.amount_fen
    order.refunded_fen += refund.amount_fen
    await session.flush()
    await outbox.add(
        session,
        OrderRefunded(
            order_id=order.id,
            user_id=order.user_id,
            purpose=order.purpose,  # type: ignore[arg-type]
            reference_id=order.reference_id,
            refund_id=refund.id,
            amount_fen=refund.amount_fen,
            refunded_total_fen=order.refunded_fen,
        ),
        subject=str(order.id),
    )
    return "succeeded"


@dataclass(frozen=True)
class RefundCall:
    """What the worker sends to the provider, read while the refund was claimed."""

    refund_id: uuid.UUID
    channel: str
    out_trade_no: str
    out_refund_no: str
    amount_fen: int
    total_fen: int
    reason: str


async def claim_refund(
    session: AsyncSession, *, refund_id: uuid.UUID, lease: timedelta = LEASE
) -> RefundCall | None:
    """Take a requested refund for one submission; the lease keeps other workers off it.

    No row lock is held while the provider is called: its callback may arrive before its
    answer (and must not wait for us).
    """
    refund = await RefundRepository(session).lock(refund_id, skip_locked=True)
    now = utcnow()
    if refund is None or refund.status != "requested" or refund.next_try_at > now:
        return None
    order = await OrderRepository(session).get(refund.order_id)
    attempt = await AttemptRepository(session).get(refund.attempt_id)
    assert order is not None and attempt is not None
    refund.tries += 1
    refund.next_try_at = now + lease
    await session.flush()
    return RefundCall(
        refund.id,
        refund.channel,
        order.out_trade_no,
        refund.out_refund_no,
        refund.amount_fen,
        attempt.amount_fen,
        refund.reason,
    )


async def call_provider(providers: Providers, call: RefundCall) -> RefundResult | Exception:
    """Send the refund (outside any transaction); the provider is idempotent on out_refund_no."""
    try:
        return await providers.get(call.channel).refund(
            out_trade_no=call.out_trade_no,
            out_refund_no=call.out_refund_no,
            amount_fen=call.amount_fen,
            total_fen=call.total_fen,
            reason=call.reason,
        )
    except ProviderError as exc:
        return exc


async def record_submission(
    session: AsyncSession, outbox: Outbox, *, call: RefundCall, result: RefundResult | Exception
) -> str:
    """Store what the provider answered to a submission."""
    refund = await RefundRepository(session).lock(call.refund_id)
    assert refund is not None
    if refund.status in ("succeeded", "failed"):
        return "duplicate"  # its callback came first
    if isinstance(result, ProviderRejected):
        refund.last_error = str(result)[:1000]
        return await complete_refund(session, outbox, refund, RefundResult("failed"))
    if isinstance(result, Exception):
        refund.last_error = str(result)[:1000]
        refund.next_try_at = utcnow() + min(timedelta(seconds=2**refund.tries), MAX_BACKOFF)
        await session.flush()
        return "retry"
    refund.submitted_at = refund.submitted_at or utcnow()
    return await complete_refund(session, outbox, refund, result)


async def query_refund(
    session: AsyncSession, outbox: Outbox, providers: Providers, *, refund_id: uuid.UUID
) -> str:
    """Ask the provider about a refund still processing (its callback did not come)."""
    refund = await RefundRepository(session).lock(refund_id, skip_locked=True)
    if refund is None or refund.status != "processing":
        return "busy"
    order = await OrderRepository(session).get(refund.order_id)
    assert order is not None
    try:
        result = await providers.get(refund.channel).query_refund(
            out_trade_no=order.out_trade_no, out_refund_no=refund.out_refund_no
        )
    except ProviderError as exc:
        logger.warning(
            "refund query failed", extra={"refund_id": str(refund.id), "error": str(exc)}
        )
        refund.submitted_at = utcnow()  # ask again after the same wait
        return "retry"
    return await complete_refund(session, outbox, refund, result)


async def apply_refund_notice(
    session: AsyncSession, outbox: Outbox, *, channel: str, notice: RefundNotice
) -> str:
    """Apply a verified refund notification exactly once."""
    try:
        refund_id = uuid.UUID(hex=notice.out_refund_no)
    except ValueError:
        refund_id = None
    refund = await RefundRepository(session).lock(refund_id) if refund_id else None
    order = await OrderRepository(session).get(refund.order_id) if refund else None
    if (
        refund is None
        or order is None
        or refund.channel != channel
        or order.out_trade_no != notice.out_trade_no
    ):
        outcome = "unknown_refund"
        logger.warning("refund notification for an unknown refund", extra={"channel": channel})
    elif notice.amount_fen != refund.amount_fen:
        outcome = "amount_mismatch"
        logger.error(
            "refund notification with the wrong amount", extra={"refund_id": str(refund.id)}
        )
    else:
        outcome = await complete_refund(
            session, outbox, refund, RefundResult(notice.status, notice.provider_refund_id)
        )
    await NotificationRepository(session).add(
        ProviderNotification(
            channel=channel,
            kind="refund",
            out_trade_no=notice.out_trade_no[:64],
            reference=notice.out_refund_no[:64],
            status=notice.status,
            outcome=outcome,
        )
    )
    return outcome
