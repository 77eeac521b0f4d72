"""What photo upload attempts ask other services through their internal APIs: payment for
the order of the 2 CNY technical fee (purpose `photo_check`, the amount is payment's fee
table entry) and identity for the check against the population registry."""

import uuid
from dataclasses import dataclass

import httpx

from educert_common.http.internal import internal_client
from educert_common.http.payment_orders import PaymentNotAnswering
from educert_common.http.payment_orders import create_order as create_payment_order
from educert_common.settings import PlatformSettings
from records.photos.exceptions import PhotoPaymentUnavailable

PURPOSE = "photo_check"


async def create_order(
    platform: PlatformSettings, *, user_id: uuid.UUID, attempt_id: uuid.UUID
) -> uuid.UUID:
    """The payment order of an attempt (the same one again for the same attempt)."""
    try:
        created = await create_payment_order(
            platform,
            user_id=user_id,
            purpose=PURPOSE,
            reference_id=str(attempt_id),
            idempotency_key=f"records-photo-{attempt_id}",
        )
    except PaymentNotAnswering as error:
        raise PhotoPaymentUnavailable() from error
    return created.order_id


@dataclass(frozen=True)
class RegistryAnswer:
    # match, mismatch, not_found (identity's registry outcomes) or no_account.
    outcome: str
    field: str | None = None

    @property
    def passed(self) -> bool:
        return self.outcome == "match"


class RegistryNotAnswering(Exception):
    """Identity or the registry behind it did not answer this time; ask again later."""


async def check_person(
    platform: PlatformSettings,
    *,
    user_id: uuid.UUID,
    real_name: str,
    id_number_hash: str,
    photo_sha256: str,
) -> RegistryAnswer:
    """Ask identity whether the account is the record's person and the registry knows them."""
    body = {
        "user_id": str(user_id),
        "real_name": real_name,
        "id_number_hash": id_number_hash,
        "photo_sha256": photo_sha256,
    }
    try:
        async with internal_client(platform, "identity", timeout=30.0) as client:
            response = await client.post("/internal/registry/photo-checks", json=body)
    except httpx.HTTPError as error:
        raise RegistryNotAnswering(str(error)) from error
    if response.status_code == 404:
        return RegistryAnswer("no_account")
    if response.status_code != 200:
        raise RegistryNotAnswering(f"identity answered {response.status_code}")
    data = response.json()
    return RegistryAnswer(str(data["outcome"]), data.get("field"))
