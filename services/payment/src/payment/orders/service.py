"""Domain rules of orders; functions flush, the calling scope commits.

The order state machine: created -> paid | expired | closed, each transition made under the
order's row lock. `payment.order.paid` is written to the outbox in the transaction of the
created -> paid transition and nowhere else, so it is emitted exactly once per order. Money that
arrives for an order that is no longer open (expired, closed, or already paid through the other
channel) is recorded on its attempt and refunded in full automatically.
"""

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.audit import AuditLog
from educert_common.db import utcnow
from educert_common.events.catalogue import OrderCreated, OrderExpired, OrderPaid
from educert_common.events.outbox import Outbox
from educert_common.masking import mask_name
from payment.exceptions import (
    ChannelUnavailable,
    OrderAlreadyPaid,
    OrderClosing,
    OrderNotFound,
    OrderNotPayable,
    ProviderUnavailable,
)
from payment.orders.models import Fee, Order, PaymentAttempt, ProviderNotification
from payment.orders.repository import (
    AttemptRepository,
    FeeRepository,
    NotificationRepository,
    OrderRepository,
)
from payment.orders.rules import (
    new_receipt_code,
    order_id_from_out_trade_no,
    proxy_link_usable,
    proxy_token_well_formed,
    purpose_label,
)
from payment.providers.base import (
    PaymentNotice,
    PaymentProvider,
    ProviderError,
    ProviderRejected,
    TradeState,
)
from payment.providers.registry import Providers
from payment.refunds import service as refunds

logger = logging.getLogger(__name__)

Outcome = Literal[
    "paid",
    "duplicate",
    "ignored",
    "unknown_order",
    "amount_mismatch",
    "late_payment_refund",
    "duplicate_payment_refund",
]


# --- fees -------------------------------------------------------------------------------------


async def list_fees(session: AsyncSession) -> list[Fee]:
    """Return the fee table."""
    return list(await FeeRepository(session).all())


async def update_fee(
    session: AsyncSession, audit: AuditLog, *, purpose: str, amount_fen: int, actor: str
) -> Fee:
    """Set what a purpose costs from now on (orders already created keep their amount)."""
    fees = FeeRepository(session)
    fee = await fees.for_update(purpose)
    before = {"amount_fen": fee.amount_fen} if fee else None
    if fee is None:
        fee = await fees.add(Fee(purpose=purpose, amount_fen=amount_fen, updated_by=actor))
    else:
        fee.amount_fen = amount_fen
        fee.updated_by = actor
        fee.updated_at = utcnow()
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="fee.updated",
        subject_type="fee",
        subject_id=purpose,
        before=before,
        after={"amount_fen": amount_fen},
    )
    return fee


# --- creating orders and starting payments ----------------------------------------------------


async def create_order(
    session: AsyncSession,
    outbox: Outbox,
    *,
    user_id: uuid.UUID,
    purpose: str,
    reference_id: str,
    ttl_seconds: int,
    via: Literal["applicant", "internal"],
    holder_name: str | None = None,
) -> tuple[Order, bool]:
    """Create the order for (user, purpose, reference), or return the one still open for it.

    Returns the order and whether it was created now.
    """
    orders = OrderRepository(session)
    if await orders.paid_for(user_id, purpose, reference_id):
        raise OrderAlreadyPaid()
    fee = await FeeRepository(session).get(purpose)
    if fee is None:  # the migration seeds every purpose; an operator cannot delete one
        raise OrderNotPayable()
    now = utcnow()
    order_id = await orders.insert_open(
        {
            "id": uuid.uuid4(),
            "user_id": user_id,
            "purpose": purpose,
            "reference_id": reference_id,
            "amount_fen": fee.amount_fen,
            "status": "created",
            "created_via": via,
            "holder_name_masked": mask_name(holder_name) if holder_name else None,
            "created_at": now,
            "updated_at": now,
            "expires_at": now + timedelta(seconds=ttl_seconds),
            "refunded_fen": 0,
        }
    )
    if order_id is None:
        existing = await orders.open_for(user_id, purpose, reference_id)
        if existing is None:  # it left "created" between the two statements
            raise OrderClosing()
        if existing.expires_at <= now:
            raise OrderClosing()
        return existing, False
    order = await orders.get(order_id)
    assert order is not None
    await outbox.add(
        session,
        OrderCreated(
            order_id=order.id,
            user_id=order.user_id,
            purpose=purpose,  # type: ignore[arg-type]
            reference_id=reference_id,
            amount_fen=order.amount_fen,
        ),
        subject=str(order.id),
    )
    return order, True


async def get_order(
    session: AsyncSession, order_id: uuid.UUID, *, owner: uuid.UUID | None
) -> Order:
    """Return the order if the caller may see it (NotFound otherwise, never Forbidden)."""
    order = await OrderRepository(session).visible(order_id, owner=owner)
    if order is None:
        raise OrderNotFound()
    return order


@dataclass(frozen=True)
class StartedAttempt:
    order: Order
    attempt: PaymentAttempt


async def start_payment(
    session: AsyncSession, providers: Providers, *, order_id: uuid.UUID, channel: str
) -> StartedAttempt:
    """Open a trade for the order at `channel` (or return the one already open there)."""
    if channel not in providers.by_channel:
        raise ChannelUnavailable()
    order = await OrderRepository(session).lock(order_id)
    if order is None:
        raise OrderNotFound()
    if order.status != "created" or order.expires_at <= utcnow():
        raise OrderAlreadyPaid() if order.status == "paid" else OrderNotPayable()
    attempts = AttemptRepository(session)
    attempt = await attempts.lock_for(order.id, channel)
    if attempt is not None and attempt.status == "started" and attempt.code_url:
        return StartedAttempt(order, attempt)
    provider = providers.get(channel)
    try:
        started = await provider.start_payment(
            out_trade_no=order.out_trade_no,
            amount_fen=order.amount_fen,
            description=f"EduCert {purpose_label(order.purpose)}",
            expires_at=order.expires_at,
        )
    except ProviderError as exc:
        logger.warning("starting a payment failed", extra={"channel": channel, "error": str(exc)})
        raise ProviderUnavailable() from exc
    if attempt is None:
        attempt = await attempts.add(
            PaymentAttempt(
                order_id=order.id,
                channel=channel,
                status="started",
                code_url=started.code_url,
                amount_fen=order.amount_fen,
                reserved_fen=0,
                refunded_fen=0,
            )
        )
    else:
        attempt.code_url = started.code_url
    return StartedAttempt(order, attempt)


# --- proxy payment ----------------------------------------------------------------------------


async def proxy_link(session: AsyncSession, *, order_id: uuid.UUID, owner: uuid.UUID) -> Order:
    """Give the open order an unguessable share token (the same one when asked again)."""
    order = await OrderRepository(session).lock(order_id)
    if order is None or order.user_id != owner:
        raise OrderNotFound()
    if order.status != "created" or order.expires_at <= utcnow():
        raise OrderAlreadyPaid() if order.status == "paid" else OrderNotPayable()
    if order.proxy_token is None:
        order.proxy_token = secrets.token_urlsafe(32)
        await session.flush()
    return order


async def order_by_proxy_token(session: AsyncSession, token: str) -> Order | None:
    """The order behind a share link while the link is valid (it expires with the order)."""
    if not proxy_token_well_formed(token):
        return None
    order = await OrderRepository(session).by_proxy_token(token)
    if order is None or not proxy_link_usable(order, utcnow()):
        return None
    return order


# --- what providers tell us -------------------------------------------------------------------


async def apply_payment_notice(
    session: AsyncSession, outbox: Outbox, *, channel: str, notice: PaymentNotice
) -> Outcome:
    """Apply a verified payment notification (or query result) exactly once."""
    order_id = order_id_from_out_trade_no(notice.out_trade_no)
    order = await OrderRepository(session).lock(order_id) if order_id else None
    outcome = await _apply_locked(session, outbox, order, channel=channel, notice=notice)
    await NotificationRepository(session).add(
        ProviderNotification(
            channel=channel,
            kind="payment",
            out_trade_no=notice.out_trade_no[:64],
            reference=notice.transaction_id[:64],
            status=notice.raw_status[:40],
            outcome=outcome,
        )
    )
    return outcome


async def _apply_locked(
    session: AsyncSession,
    outbox: Outbox,
    order: Order | None,
    *,
    channel: str,
    notice: PaymentNotice,
) -> Outcome:
    if order is None:
        logger.warning(
            "payment notification for an unknown order",
            extra={"channel": channel, "out_trade_no": notice.out_trade_no[:64]},
        )
        return "unknown_order"
    if notice.status != "paid":
        logger.info(
            "payment notification without payment acknowledged",
            extra={"order_id": str(order.id), "trade_status": notice.raw_status},
        )
        return "ignored"
    if notice.amount_fen != order.amount_fen:
        logger.error(
            "payment notification with the wrong amount",
            extra={
                "order_id": str(order.id),
                "expected_fen": order.amount_fen,
                "notified_fen": notice.amount_fen,
            },
        )
        return "amount_mismatch"
    attempts = AttemptRepository(session)
    attempt = await attempts.lock_for(order.id, channel)
    if attempt is not None and attempt.status == "succeeded":
        return "duplicate"
    if attempt is None:
        attempt = await attempts.add(
            PaymentAttempt(
                order_id=order.id,
                channel=channel,
                status="started",
                amount_fen=order.amount_fen,
                reserved_fen=0,
                refunded_fen=0,
            )
        )
    attempt.status = "succeeded"
    attempt.transaction_id = notice.transaction_id
    attempt.paid_at = notice.paid_at
    await session.flush()
    if order.status == "created":
        order.status = "paid"
        order.paid_at = notice.paid_at
        order.paid_channel = channel
        order.paid_attempt_id = attempt.id
        order.receipt_code = new_receipt_code()
        await session.flush()
        await outbox.add(
            session,
            OrderPaid(
                order_id=order.id,
                user_id=order.user_id,
                purpose=order.purpose,  # type: ignore[arg-type]
                reference_id=order.reference_id,
                amount_fen=order.amount_fen,
                channel=channel,  # type: ignore[arg-type]
                paid_at=notice.paid_at,
            ),
            subject=str(order.id),
        )
        logger.info("order paid", extra={"order_id": str(order.id), "channel": channel})
        return "paid"
    # Money for an order that is not open any more: give it back in full.
    kind = "duplicate_payment" if order.status == "paid" else "late_payment"
    await refunds.request_refund(
        session,
        order=order,
        attempt=attempt,
        amount_fen=None,
        kind=kind,
        reason="订单已关闭，自动退款" if kind == "late_payment" else "重复支付，自动退款",
        actor="system",
        request_key=f"{kind}:{attempt.id}",
    )
    logger.warning(
        "payment for an order that is not open; refunding",
        extra={"order_id": str(order.id), "status": order.status, "channel": channel},
    )
    return "late_payment_refund" if kind == "late_payment" else "duplicate_payment_refund"


def _trade_to_notice(state: TradeState) -> PaymentNotice | None:
    if state.status != "paid" or not state.transaction_id or state.amount_fen is None:
        return None
    return PaymentNotice(
        out_trade_no=state.out_trade_no,
        transaction_id=state.transaction_id,
        amount_fen=state.amount_fen,
        paid_at=state.paid_at or utcnow(),
        status="paid",
        raw_status="QUERY:paid",
    )


# --- jobs: expiry, closing and active queries -------------------------------------------------


async def close_order(
    session: AsyncSession,
    outbox: Outbox,
    providers: Providers,
    *,
    order_id: uuid.UUID,
    final_status: Literal["expired", "closed"],
    skip_locked: bool = False,
) -> str:
    """Close the order's trades at the providers, then mark it expired (or closed).

    If a provider says the trade was paid after all, the payment is applied instead. If a
    provider cannot be reached the order stays open, to be tried again.
    """
    order = await OrderRepository(session).lock(order_id, skip_locked=skip_locked)
    if order is None:
        return "busy"
    if order.status != "created":
        return order.status
    attempts = [
        a for a in await AttemptRepository(session).of_order(order.id) if a.status == "started"
    ]
    for attempt in attempts:
        provider = providers.by_channel.get(attempt.channel)
        if provider is None:
            continue
        try:
            await provider.close_payment(order.out_trade_no)
        except ProviderRejected as exc:
            # Typically "already paid": ask what happened.
            logger.info(
                "close refused, querying", extra={"order_id": str(order.id), "code": exc.code}
            )
            outcome = await _query_and_apply(session, outbox, provider, order, attempt.channel)
            if outcome is None:
                return "unsure"
            if order.status != "created":
                return order.status
        except ProviderError as exc:
            logger.warning(
                "closing a trade failed; will retry",
                extra={"order_id": str(order.id), "error": str(exc)},
            )
            return "unsure"
    for attempt in attempts:
        attempt.status = "closed"
    order.status = final_status
    order.closed_at = utcnow()
    await session.flush()
    await outbox.add(
        session,
        OrderExpired(
            order_id=order.id,
            user_id=order.user_id,
            purpose=order.purpose,  # type: ignore[arg-type]
            reference_id=order.reference_id,
        ),
        subject=str(order.id),
    )
    return final_status


async def _query_and_apply(
    session: AsyncSession,
    outbox: Outbox,
    provider: PaymentProvider,
    order: Order,
    channel: str,
) -> Outcome | Literal["not_paid"] | None:
    try:
        state = await provider.query_payment(order.out_trade_no)
    except ProviderError as exc:
        logger.warning(
            "querying a trade failed", extra={"order_id": str(order.id), "error": str(exc)}
        )
        return None
    notice = _trade_to_notice(state)
    if notice is None:
        return "not_paid"
    return await _apply_locked(session, outbox, order, channel=channel, notice=notice)


async def query_order(
    session: AsyncSession, outbox: Outbox, providers: Providers, *, order_id: uuid.UUID
) -> list[str]:
    """Ask the providers about an open order whose callback has not come (active query)."""
    order = await OrderRepository(session).lock(order_id, skip_locked=True)
    if order is None or order.status != "created":
        return []
    order.last_queried_at = utcnow()
    outcomes = []
    for attempt in await AttemptRepository(session).of_order(order.id):
        provider = providers.by_channel.get(attempt.channel)
        if attempt.status != "started" or provider is None:
            continue
        outcome = await _query_and_apply(session, outbox, provider, order, attempt.channel)
        outcomes.append(str(outcome))
        if order.status != "created":
            break
    await session.flush()
    return outcomes
