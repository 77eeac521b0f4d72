"""Creating a payment order for a user from another service (payment's internal API): the
amount is payment's fee-table entry for the purpose; the idempotency key makes asking again
return the same order, so a caller whose own transaction failed after the call simply asks
again."""

import uuid
from dataclasses import dataclass

import httpx

from educert_common.http.internal import internal_client
from educert_common.settings import PlatformSettings


class PaymentNotAnswering(Exception):
    """Payment did not answer, or refused; callers turn it into their own 503 problem."""


@dataclass(frozen=True)
class CreatedOrder:
    order_id: uuid.UUID
    amount_fen: int


async def create_order(
    platform: PlatformSettings,
    *,
    user_id: uuid.UUID,
    purpose: str,
    reference_id: str,
    idempotency_key: str,
    holder_name: str | None = None,
) -> CreatedOrder:
    """The order of `purpose` for `reference_id` (the same one again for the same key)."""
    body = {"user_id": str(user_id), "purpose": purpose, "reference_id": reference_id}
    if holder_name:
        # Shown masked on the proxy-pay page (代付); payment never keeps it in clear.
        body["holder_name"] = holder_name
    try:
        async with internal_client(platform, "payment") as client:
            response = await client.post(
                "/internal/orders", json=body, headers={"Idempotency-Key": idempotency_key}
            )
    except httpx.HTTPError as error:
        raise PaymentNotAnswering() from error
    if response.status_code not in (200, 201):
        raise PaymentNotAnswering()
    answer = response.json()
    return CreatedOrder(uuid.UUID(answer["id"]), int(answer["amount_fen"]))
