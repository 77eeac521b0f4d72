"""Routes of receipts: the owner's PDF and the public verification by code."""

import uuid

from fastapi import APIRouter, Path, Response

from educert_common.app import SessionDep
from educert_common.auth import CurrentPrincipal
from payment.access import owner_scope
from payment.orders import service as orders
from payment.orders.schemas import ReceiptVerification
from payment.receipts.render import ReceiptFacts, render_receipt
from payment.receipts.service import order_by_receipt_code, receipt_facts, receipt_filename
from payment.runtime import SettingsDep

router = APIRouter(tags=["payment"])


async def pdf_response(facts: ReceiptFacts, order_id: uuid.UUID) -> Response:
    return Response(
        render_receipt(facts),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{receipt_filename(order_id)}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/orders/{order_id}/receipt.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def download_receipt(
    order_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    """Download the PDF receipt of one of your paid orders."""
    order = await orders.get_order(session, order_id, owner=owner_scope(principal))
    return await pdf_response(
        await receipt_facts(session, order, public_base_url=settings.public_base_url), order.id
    )


@router.get("/receipts/{code}", response_model=ReceiptVerification)
async def verify_receipt(
    session: SessionDep, code: str = Path(min_length=8, max_length=20, pattern=r"^[0-9A-Za-z-]+$")
) -> ReceiptVerification:
    """Check a receipt by its verification code (no personal data is shown)."""
    order = await order_by_receipt_code(session, code)
    assert order.paid_at is not None and order.paid_channel is not None
    refunded = order.refunded_fen
    return ReceiptVerification(
        code=order.receipt_code or "",
        purpose=order.purpose,  # type: ignore[arg-type]
        purpose_label=orders.purpose_label(order.purpose),
        amount_fen=order.amount_fen,
        channel=order.paid_channel,  # type: ignore[arg-type]
        paid_at=order.paid_at,
        refunded_fen=refunded,
        status="valid"
        if refunded == 0
        else "refunded"
        if refunded >= order.amount_fen
        else "partly_refunded",
    )
