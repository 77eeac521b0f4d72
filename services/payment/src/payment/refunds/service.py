"""Domain rules of refunds; functions flush, the calling scope commits.

A refund reserves its amount on the payment attempt under the attempt's row lock, so what is
requested, in flight and refunded together never exceeds what was paid (a check constraint
holds the same line in the database). A worker submits requested refunds to the provider; the
provider's answer, callback or a later query completes them, and `payment.order.refunded` is
emitted once, on completion.

Only a definite answer fails a refund: a refusal the provider confirms by having no such
refund when asked. Unreachable providers, server errors, rate limits and "system busy" codes
are retried with backoff, then leave the refund `unknown` (its amount still reserved) for the
query job and operators. A verified success for a refund marked failed corrects it.
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
from payment.providers.base import (
    CHINA,
    ProviderError,
    ProviderRejected,
    RefundNotice,
    RefundResult,
)
from payment.providers.registry import Providers
from payment.reconciliation.models import ReconciliationMismatch, ReconciliationRun
from payment.reconciliation.repository import RunRepository
from payment.refunds.models import Refund
from payment.refunds.repository import RefundRepository

logger = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(minutes=10)
RETRY_BASE = timedelta(seconds=2)
MAX_TRIES = 8
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


async def list_refunds(
    session: AsyncSession, order_id: uuid.UUID, *, owner: uuid.UUID | None
) -> list[Refund]:
    """The refunds of an order the caller may see (NotFound otherwise, never Forbidden)."""
    if await OrderRepository(session).visible(order_id, owner=owner) is None:
        raise OrderNotFound()
    return list(await RefundRepository(session).of_order(order_id))


async def complete_refund(
    session: AsyncSession, outbox: Outbox, refund: Refund, result: RefundResult
) -> str:
    """Record the provider's verdict on a refund (once: later verdicts change nothing, except a
    verified success for a refund we had marked failed, which corrects it)."""
    if refund.status == "succeeded":
        return "duplicate"
    if refund.status == "failed":
        if result.status != "succeeded":
            return "duplicate"
        return await _correct_failed(session, outbox, refund, result)
    if result.status == "not_found":
        raise ValueError("a refund the provider does not know has no verdict")
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
    await _succeed(session, outbox, refund, order, attempt)
    return "succeeded"


async def _succeed(
    session: AsyncSession,
    outbox: Outbox,
    refund: Refund,
    order: Order,
    attempt: PaymentAttempt,
) -> None:
    """Move a refund whose amount is reserved to succeeded and emit its event (the only place
    `payment.order.refunded` is written).

    Only refunds of the attempt that paid the order count as the order's refunds: a duplicate
    or late payment's refund gives back money the order never kept. The order's total is
    taken from that attempt, whose reservation bounds it, so a refund the provider made is
    always recorded and never refused by the order's bound after the fact.
    """
    refund.status = "succeeded"
    refund.completed_at = utcnow()
    attempt.refunded_fen += refund.amount_fen
    if attempt.id == order.paid_attempt_id:
        order.refunded_fen = attempt.refunded_fen
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


async def _correct_failed(
    session: AsyncSession, outbox: Outbox, refund: Refund, result: RefundResult
) -> str:
    """The provider says a refund we marked failed (and whose reservation we released) was
    made after all: take the reservation again under the order's and attempt's row locks
    (the refund's is held by the caller) and complete it, or, when what is reserved now
    leaves no room for it, keep it failed and record a mismatch for operators."""
    order = await OrderRepository(session).lock(refund.order_id)
    attempt = await AttemptRepository(session).lock(refund.attempt_id)
    assert order is not None and attempt is not None
    if attempt.reserved_fen + refund.amount_fen > attempt.amount_fen:
        await _record_mismatch(session, refund, attempt)
        logger.error(
            "provider reports a failed refund as made, and it exceeds what is left to refund",
            extra={
                "refund_id": str(refund.id),
                "amount_fen": refund.amount_fen,
                "reserved_fen": attempt.reserved_fen,
                "paid_fen": attempt.amount_fen,
            },
        )
        return "refund_mismatch"
    attempt.reserved_fen += refund.amount_fen
    if result.provider_refund_id:
        refund.provider_refund_id = result.provider_refund_id[:64]
    refund.last_error = f"corrected to succeeded by the provider; was: {refund.last_error}"[:1000]
    await _succeed(session, outbox, refund, order, attempt)
    logger.warning(
        "refund marked failed was made at the provider; corrected",
        extra={"refund_id": str(refund.id)},
    )
    return "corrected"


async def _record_mismatch(session: AsyncSession, refund: Refund, attempt: PaymentAttempt) -> None:
    """A reconciliation entry operators see (`GET /reconciliation/runs`), once per refund."""
    runs = RunRepository(session)
    if await runs.refund_mismatch_recorded("refund_over_paid", refund.out_refund_no):
        return
    await runs.add_with_mismatches(
        ReconciliationRun(
            id=uuid.uuid4(),
            day=utcnow().astimezone(CHINA).date(),
            channel=refund.channel,
            status="alert",  # not a statement run: the daily job does not count it
            provider_lines=1,
            matched=0,
            mismatch_count=1,
            error=(
                "refund reported made after it failed; re-reserving it would exceed what was paid"
            ),
            requested_by="refund-notice",
        ),
        [
            ReconciliationMismatch(
                kind="refund_over_paid",
                entry="refund",
                out_trade_no=refund.order_id.hex,
                out_refund_no=refund.out_refund_no,
                provider_amount_fen=refund.amount_fen,
                our_amount_fen=attempt.amount_fen - attempt.reserved_fen,
            )
        ],
    )


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
    """Send the refund (outside any transaction); the provider is idempotent on out_refund_no.

    A refusal is not believed on its own: the refund is looked up first, and only a provider
    that says it has no such refund (or that it failed) makes it a refusal. Anything else
    without a definite answer comes back as a ProviderError, to be retried.
    """
    provider = providers.get(call.channel)
    try:
        return await provider.refund(
            out_trade_no=call.out_trade_no,
            out_refund_no=call.out_refund_no,
            amount_fen=call.amount_fen,
            total_fen=call.total_fen,
            reason=call.reason,
        )
    except ProviderRejected as exc:
        refusal = exc
    except ProviderError as exc:
        return exc
    try:
        found = await provider.query_refund(
            out_trade_no=call.out_trade_no, out_refund_no=call.out_refund_no
        )
    except ProviderError as exc:
        return ProviderError(f"refused ({refusal}), then the refund could not be looked up: {exc}")
    if found.status in ("not_found", "failed"):
        return refusal
    logger.warning(
        "refund refused, but the provider has it",
        extra={"refund_id": str(call.refund_id), "code": refusal.code, "found": found.status},
    )
    return found


async def record_submission(
    session: AsyncSession,
    outbox: Outbox,
    *,
    call: RefundCall,
    result: RefundResult | Exception,
    retry_base: timedelta = RETRY_BASE,
    max_tries: int = MAX_TRIES,
) -> str:
    """Store what the provider answered to a submission.

    A confirmed refusal fails the refund and releases its reservation. No definite answer:
    submitted again with exponential backoff; after `max_tries` the refund is left `unknown`
    (reservation kept) for the query job and operators, never failed.
    """
    refund = await RefundRepository(session).lock(call.refund_id)
    assert refund is not None
    if refund.status != "requested":
        return "duplicate"  # its callback came first
    if isinstance(result, ProviderRejected):
        refund.last_error = str(result)[:1000]
        return await complete_refund(session, outbox, refund, RefundResult("failed"))
    if isinstance(result, Exception):
        refund.last_error = str(result)[:1000]
        if refund.tries >= max_tries:
            refund.status = "unknown"
            refund.submitted_at = utcnow()
            await session.flush()
            logger.error(
                "refund has no answer from the provider after %d tries; left unknown",
                refund.tries,
                extra={"refund_id": str(refund.id), "error": refund.last_error},
            )
            return "unknown"
        backoff = min(retry_base * 2 ** (refund.tries - 1), MAX_BACKOFF)
        refund.next_try_at = utcnow() + backoff
        await session.flush()
        logger.warning(
            "refund submission without a definite answer; retrying",
            extra={"refund_id": str(refund.id), "tries": refund.tries, "error": str(result)},
        )
        return "retry"
    refund.submitted_at = refund.submitted_at or utcnow()
    if result.status == "not_found":  # not an answer a submission gives; ask again later
        refund.next_try_at = utcnow() + retry_base
        await session.flush()
        return "retry"
    return await complete_refund(session, outbox, refund, result)


async def query_refund(
    session: AsyncSession, outbox: Outbox, providers: Providers, *, refund_id: uuid.UUID
) -> str:
    """Ask the provider about a refund still processing (its callback did not come) or left
    unknown after submissions without an answer."""
    refund = await RefundRepository(session).lock(refund_id, skip_locked=True)
    if refund is None or refund.status not in ("processing", "unknown"):
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
    if result.status == "not_found":
        if refund.status == "unknown":
            # The provider answers and never got it: submit again (same out_refund_no).
            refund.status = "requested"
            refund.next_try_at = utcnow()
            await session.flush()
            logger.warning(
                "unknown refund not at the provider; resubmitting",
                extra={"refund_id": str(refund.id)},
            )
            return "resubmit"
        logger.error(
            "processing refund not found at the provider", extra={"refund_id": str(refund.id)}
        )
        refund.submitted_at = utcnow()
        return "retry"
    outcome = await complete_refund(session, outbox, refund, result)
    if outcome == "processing":
        refund.submitted_at = utcnow()  # ask again after the same wait, not at every poll
        await session.flush()
    return outcome


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
