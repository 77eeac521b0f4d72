"""Receipts of paid orders and their public verification."""

import uuid
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import utcnow
from payment.exceptions import OrderNotFound, OrderNotPaid, ProxyLinkNotFound, ReceiptNotFound
from payment.orders.models import Order
from payment.orders.repository import AttemptRepository, OrderRepository
from payment.orders.rules import (
    normalise_receipt_code,
    proxy_link_usable,
    proxy_token_well_formed,
    purpose_label,
)
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


async def receipt_of_order(
    session: AsyncSession, *, order_id: uuid.UUID, owner: uuid.UUID | None, public_base_url: str
) -> ReceiptFacts:
    """The receipt of an order the caller may see (NotFound otherwise, never Forbidden)."""
    order = await OrderRepository(session).visible(order_id, owner=owner)
    if order is None:
        raise OrderNotFound()
    return await receipt_facts(session, order, public_base_url=public_base_url)


async def receipt_by_proxy_token(
    session: AsyncSession, *, token: str, public_base_url: str
) -> ReceiptFacts:
    """The receipt of a shared order, while its link is valid."""
    order = (
        await OrderRepository(session).by_proxy_token(token)
        if proxy_token_well_formed(token)
        else None
    )
    if order is None or not proxy_link_usable(order, utcnow()):
        raise ProxyLinkNotFound()
    return await receipt_facts(session, order, public_base_url=public_base_url)


async def order_by_receipt_code(session: AsyncSession, code: str) -> Order:
    normalised = normalise_receipt_code(code)
    order = await OrderRepository(session).by_receipt_code(normalised) if normalised else None
    if order is None or order.status != "paid":
        raise ReceiptNotFound()
    return order


def receipt_status(order: Order) -> Literal["valid", "partly_refunded", "refunded"]:
    """What the receipt is worth now: refunds of the order's payment void it in part or whole."""
    if order.refunded_fen == 0:
        return "valid"
    return "refunded" if order.refunded_fen >= order.amount_fen else "partly_refunded"


def receipt_filename(order_no: str) -> str:
    return f"receipt-{order_no}.pdf"
