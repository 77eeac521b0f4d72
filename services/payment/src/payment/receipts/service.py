"""Receipts of paid orders and their public verification."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from payment.exceptions import OrderNotPaid, ReceiptNotFound
from payment.orders.models import Order
from payment.orders.repository import AttemptRepository, OrderRepository
from payment.orders.service import normalise_receipt_code, purpose_label
from payment.receipts.render import ReceiptFacts


def verify_url(public_base_url: str, code: str) -> str:
    return f"{public_base_url.rstrip('/')}/api/v1/payment/receipts/{code}"


async def receipt_facts(
    session: AsyncSession, order: Order, *, public_base_url: str
) -> ReceiptFacts:
    """What the receipt of a paid order shows (refused for orders not paid)."""
    if order.status != "paid" or order.paid_attempt_id is None or order.receipt_code is None:
        raise OrderNotPaid()
    attempt = await AttemptRepository(session).get(order.paid_attempt_id)
    assert attempt is not None and order.paid_at is not None
    return ReceiptFacts(
        order_no=order.out_trade_no,
        purpose_label=purpose_label(order.purpose),
        amount_fen=order.amount_fen,
        channel=attempt.channel,
        paid_at=order.paid_at,
        transaction_id=attempt.transaction_id or "",
        payer=order.holder_name_masked,
        code=order.receipt_code,
        verify_url=verify_url(public_base_url, order.receipt_code),
        refunded_fen=order.refunded_fen,
    )


async def order_by_receipt_code(session: AsyncSession, code: str) -> Order:
    order = await OrderRepository(session).by_receipt_code(normalise_receipt_code(code))
    if order is None or order.status != "paid":
        raise ReceiptNotFound()
    return order


def receipt_filename(order_id: uuid.UUID) -> str:
    return f"receipt-{order_id.hex}.pdf"
