"""Payment orders for reports when operators set a fee: created through payment's internal
API (the amount is payment's fee table entry for purpose "report"); the report is issued
when `payment.order.paid` arrives (records.events)."""

import uuid

from educert_common.http.payment_orders import PaymentNotAnswering
from educert_common.http.payment_orders import create_order as create_payment_order
from educert_common.settings import PlatformSettings
from records.reports.exceptions import PaymentUnavailable

PURPOSE = "report"


async def create_order(
    platform: PlatformSettings, *, user_id: uuid.UUID, report_id: uuid.UUID
) -> uuid.UUID:
    """The payment order of a report (the same one again for the same report)."""
    try:
        created = await create_payment_order(
            platform,
            user_id=user_id,
            purpose=PURPOSE,
            reference_id=str(report_id),
            idempotency_key=f"records-report-{report_id}",
        )
    except PaymentNotAnswering as error:
        raise PaymentUnavailable() from error
    return created.order_id
