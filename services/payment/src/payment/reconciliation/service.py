"""Compare one day's provider statement with what the service recorded.

Payments are matched by out_trade_no against succeeded attempts; refunds by out_refund_no
against succeeded refunds. What one side has and the other lacks, and amounts that differ,
become mismatches for operators to look at; nothing is corrected automatically.
"""

import logging
import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from payment.orders.repository import AttemptRepository
from payment.orders.rules import order_id_from_out_trade_no
from payment.providers.base import CHINA, ProviderError, StatementLine
from payment.providers.registry import Providers
from payment.reconciliation.models import ReconciliationMismatch, ReconciliationRun
from payment.reconciliation.repository import RunRepository
from payment.refunds.repository import RefundRepository

logger = logging.getLogger(__name__)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants bounding a Beijing calendar day (statements are cut at local midnight)."""
    start = datetime.combine(day, time(), tzinfo=CHINA)
    return start, start + timedelta(days=1)


async def reconcile(
    session: AsyncSession, providers: Providers, *, day: date, channel: str, actor: str
) -> ReconciliationRun:
    """Download `channel`'s statement for `day`, compare, and store the run."""
    runs = RunRepository(session)
    try:
        lines = await providers.get(channel).statement(day)
    except (ProviderError, ValueError, KeyError) as exc:
        logger.warning("statement download failed", extra={"channel": channel, "error": str(exc)})
        return await runs.add(
            ReconciliationRun(
                day=day,
                channel=channel,
                status="failed",
                error=str(exc)[:1000],
                requested_by=actor,
                provider_lines=0,
                matched=0,
                mismatch_count=0,
            )
        )
    start, end = day_bounds(day)
    ours_paid = {
        attempt.order_id.hex: attempt
        for attempt in await AttemptRepository(session).succeeded_between(channel, start, end)
    }
    ours_refunded = {
        refund.out_refund_no: refund
        for refund in await RefundRepository(session).succeeded_between(channel, start, end)
    }
    theirs_paid = {line.out_trade_no: line for line in lines if line.kind == "payment"}
    theirs_refunded = {line.out_refund_no or "": line for line in lines if line.kind == "refund"}
    # A payment on the statement that we recorded on another day (near midnight) still matches.
    unmatched_ids = [
        order_id
        for order_id in map(order_id_from_out_trade_no, theirs_paid.keys() - ours_paid.keys())
        if order_id is not None
    ]
    elsewhere = {
        attempt.order_id.hex: attempt
        for attempt in await AttemptRepository(session).by_out_trade_nos(channel, unmatched_ids)
        if attempt.status == "succeeded"
    }
    mismatches: list[ReconciliationMismatch] = []
    matched = 0

    def mismatch(
        kind: str,
        line: StatementLine | None,
        *,
        entry: str,
        no: str,
        refund_no: str | None,
        ours: int | None,
    ) -> None:
        mismatches.append(
            ReconciliationMismatch(
                kind=kind,
                entry=entry,
                out_trade_no=no[:64],
                out_refund_no=refund_no,
                provider_amount_fen=line.amount_fen if line else None,
                our_amount_fen=ours,
            )
        )

    for no, line in theirs_paid.items():
        attempt = ours_paid.get(no) or elsewhere.get(no)
        if attempt is None:
            mismatch("missing_here", line, entry="payment", no=no, refund_no=None, ours=None)
        elif attempt.amount_fen != line.amount_fen:
            mismatch(
                "amount_mismatch",
                line,
                entry="payment",
                no=no,
                refund_no=None,
                ours=attempt.amount_fen,
            )
        else:
            matched += 1
    for no, attempt in ours_paid.items():
        if no not in theirs_paid:
            mismatch(
                "missing_at_provider",
                None,
                entry="payment",
                no=no,
                refund_no=None,
                ours=attempt.amount_fen,
            )
    for refund_no, line in theirs_refunded.items():
        refund = ours_refunded.get(refund_no)
        if refund is None:
            mismatch(
                "missing_here",
                line,
                entry="refund",
                no=line.out_trade_no,
                refund_no=refund_no,
                ours=None,
            )
        elif refund.amount_fen != line.amount_fen:
            mismatch(
                "amount_mismatch",
                line,
                entry="refund",
                no=line.out_trade_no,
                refund_no=refund_no,
                ours=refund.amount_fen,
            )
        else:
            matched += 1
    for refund_no, refund in ours_refunded.items():
        if refund_no not in theirs_refunded:
            mismatch(
                "missing_at_provider",
                None,
                entry="refund",
                no=refund.order_id.hex,
                refund_no=refund_no,
                ours=refund.amount_fen,
            )
    run = await runs.add_with_mismatches(
        ReconciliationRun(
            id=uuid.uuid4(),
            day=day,
            channel=channel,
            status="completed",
            provider_lines=len(lines),
            matched=matched,
            mismatch_count=len(mismatches),
            requested_by=actor,
        ),
        mismatches,
    )
    if mismatches:
        logger.warning(
            "reconciliation found mismatches",
            extra={"channel": channel, "day": day.isoformat(), "count": len(mismatches)},
        )
    return run
