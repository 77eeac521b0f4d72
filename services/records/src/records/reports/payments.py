"""Payment orders for reports when operators set a fee: created through payment's internal
API (the amount is payment's fee table entry for purpose "report"); the report is issued
when `payment.order.paid` arrives (records.events)."""

import uuid

import httpx

from educert_common.http.internal import internal_client
from educert_common.settings import PlatformSettings
from records.reports.exceptions import PaymentUnavailable

PURPOSE = "report"


async def create_order(
    platform: PlatformSettings, *, user_id: uuid.UUID, report_id: uuid.UUID
) -> uuid.UUID:
    """The payment order of a report (the same one again for the same report)."""
    try:
        async with internal_client(platform, "payment") as client:
            response = await client.post(
                "/internal/orders",
                json={"user_id": str(user_id), "purpose": PURPOSE, "reference_id": str(report_id)},
                headers={"Idempotency-Key": f"records-report-{report_id}"},
            )
    except httpx.HTTPError as error:
        raise PaymentUnavailable() from error
    if response.status_code not in (200, 201):
        raise PaymentUnavailable()
    return uuid.UUID(response.json()["id"])
