"""Pure rules about orders (no I/O) that other sub-packages use too: purpose labels, receipt
codes, merchant order numbers, share-link checks. Shared helpers live here, not in
`service.py`, so that receipts and reconciliation import them without the orders service."""

import uuid
from datetime import datetime

from educert_common.verification.codes import new_code, normalise_code
from payment.orders.models import Order

PURPOSE_LABELS = {
    "certification": ("学位学历认证费", "Certification fee"),
    "photo_check": ("图像校对技术服务费", "Photo check fee"),
    "report": ("认证报告费", "Report fee"),
    "courier": ("快递费", "Courier fee"),
}
# Receipts use the shared verification codes (Crockford base32), 12 characters (60 bits):
# a receipt vouches for a payment only, and codes already printed keep this length.
RECEIPT_CODE_LENGTH = 12


def purpose_label(purpose: str) -> str:
    zh, en = PURPOSE_LABELS[purpose]
    return f"{zh} {en}"


def new_receipt_code() -> str:
    return new_code(RECEIPT_CODE_LENGTH)


def normalise_receipt_code(code: str) -> str | None:
    """The stored form of a typed receipt code; None when it cannot be one (not looked up)."""
    return normalise_code(code, RECEIPT_CODE_LENGTH)


def order_id_from_out_trade_no(out_trade_no: str) -> uuid.UUID | None:
    try:
        if len(out_trade_no) != 32:
            return None
        return uuid.UUID(hex=out_trade_no)
    except ValueError:
        return None


def proxy_token_well_formed(token: str) -> bool:
    """What `secrets.token_urlsafe(32)` can produce (anything else is not looked up)."""
    return 20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()


def proxy_link_usable(order: Order, now: datetime) -> bool:
    """A share link works while its order may still be paid or shows a receipt."""
    return order.expires_at > now and order.status not in ("expired", "closed")
