"""Pure rules about orders (no I/O) that other sub-packages use too: purpose labels, receipt
codes, merchant order numbers, share-link checks. Shared helpers live here, not in
`service.py`, so that receipts and reconciliation import them without the orders service."""

import secrets
import uuid
from datetime import datetime

from payment.orders.models import Order

PURPOSE_LABELS = {
    "certification": ("学位学历认证费", "Certification fee"),
    "photo_check": ("图像校对技术服务费", "Photo check fee"),
    "report": ("认证报告费", "Report fee"),
    "courier": ("快递费", "Courier fee"),
}
# Crockford's base32 without I, L, O, U: readable over the phone, no ambiguous characters.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def purpose_label(purpose: str) -> str:
    zh, en = PURPOSE_LABELS[purpose]
    return f"{zh} {en}"


def new_receipt_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))


def normalise_receipt_code(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()[:20]


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
