"""What applications ask of other services over their internal APIs: payment orders for the
fees, and identity's latest passed face verification (with its entry-exit records)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from certification.exceptions import FaceNotVerified, IdentityUnavailable, PaymentUnavailable
from educert_common.http.internal import internal_client
from educert_common.http.payment_orders import CreatedOrder, PaymentNotAnswering
from educert_common.http.payment_orders import create_order as create_payment_order
from educert_common.settings import PlatformSettings


async def create_order(
    platform: PlatformSettings,
    *,
    user_id: uuid.UUID,
    application_id: uuid.UUID,
    purpose: str,
    attempt: int,
    holder_name: str | None,
) -> CreatedOrder:
    """The payment order of one fee of an application; asking again with the same attempt
    number returns the same order (a retry after a failed commit does not pay twice)."""
    try:
        return await create_payment_order(
            platform,
            user_id=user_id,
            purpose=purpose,
            reference_id=str(application_id),
            idempotency_key=f"certification-{application_id}-{purpose}-{attempt}",
            holder_name=holder_name,
        )
    except PaymentNotAnswering as error:
        raise PaymentUnavailable() from error


@dataclass(frozen=True)
class FaceCheck:
    session_id: uuid.UUID
    completed_at: datetime | None
    entry_exit_records: list[dict[str, Any]]


async def latest_face_check(platform: PlatformSettings, user_id: uuid.UUID) -> FaceCheck:
    """The user's latest passed face verification, or 409 (skip is then the way on)."""
    try:
        async with internal_client(platform, "identity") as client:
            response = await client.get(f"/internal/face/users/{user_id}/latest-passed")
    except httpx.HTTPError as error:
        raise IdentityUnavailable() from error
    if response.status_code == 404:
        raise FaceNotVerified()
    if response.status_code != 200:
        raise IdentityUnavailable()
    body = response.json()
    return FaceCheck(
        session_id=uuid.UUID(body["session_id"]),
        completed_at=datetime.fromisoformat(body["completed_at"]) if body["completed_at"] else None,
        entry_exit_records=list(body.get("entry_exit_records") or []),
    )
