"""Routes of receipts: the owner's PDF, the shared order's PDF and the public verification."""

import uuid
from typing import Any

from fastapi import APIRouter, Path, Response

from educert_common.app import SessionDep
from educert_common.auth import CurrentPrincipal
from educert_common.http.contract import problems
from payment.access import owner_scope
from payment.orders.rules import purpose_label
from payment.orders.schemas import ReceiptVerification
from payment.receipts import service
from payment.receipts.render import ReceiptFacts, render_receipt
from payment.runtime import SettingsDep

router = APIRouter(tags=["payment"])
# A PDF, or 409 while the order is not paid.
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
    **problems(409),
}


def _pdf(facts: ReceiptFacts) -> Response:
    return Response(
        render_receipt(facts),
        media_type="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{service.receipt_filename(facts.order_no)}"'
            ),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/orders/{order_id}/receipt.pdf", response_class=Response, responses=PDF)
async def download_receipt(
    order_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    """Download the PDF receipt of one of your paid orders."""
    return _pdf(
        await service.receipt_of_order(
            session,
            order_id=order_id,
            owner=owner_scope(principal),
            public_base_url=settings.public_base_url,
        )
    )


@router.get("/proxy/{token}/receipt.pdf", response_class=Response, responses=PDF)
async def proxy_receipt(token: str, session: SessionDep, settings: SettingsDep) -> Response:
    """Download the receipt of a shared order once it is paid, while the link is valid."""
    return _pdf(
        await service.receipt_by_proxy_token(
            session, token=token, public_base_url=settings.public_base_url
        )
    )


@router.get("/receipts/{code}", response_model=ReceiptVerification)
async def verify_receipt(
    session: SessionDep, code: str = Path(min_length=8, max_length=20, pattern=r"^[0-9A-Za-z-]+$")
) -> ReceiptVerification:
    """Check a receipt by its verification code (no personal data is shown)."""
    order = await service.order_by_receipt_code(session, code)
    assert order.paid_at is not None and order.paid_channel is not None
    return ReceiptVerification(
        code=order.receipt_code or "",
        purpose=order.purpose,  # type: ignore[arg-type]
        purpose_label=purpose_label(order.purpose),
        amount_fen=order.amount_fen,
        channel=order.paid_channel,  # type: ignore[arg-type]
        paid_at=order.paid_at,
        refunded_fen=order.refunded_fen,
        status=service.receipt_status(order),
    )
