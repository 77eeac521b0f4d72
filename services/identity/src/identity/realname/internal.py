"""Internal route for records: the identity check of a photo upload attempt against the
population registry (the same adapter as real-name verification)."""

import uuid
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from educert_common.app import SessionDep
from educert_common.http.internal import InternalCaller
from identity.realname import service
from identity.runtime import SettingsDep

internal_router = APIRouter(tags=["internal"], include_in_schema=False)


class PhotoCheckQuestion(BaseModel):
    user_id: uuid.UUID
    # The person on the record, as the institution reported them.
    real_name: str = Field(min_length=1, max_length=100)
    id_number_hash: str = Field(min_length=1, max_length=64)
    # The uploaded photo's digest, kept for the audit trail of the question; the development
    # registry holds no portraits, so the photo itself is judged by the manual review.
    photo_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class PhotoCheckAnswer(BaseModel):
    outcome: Literal["match", "mismatch", "not_found"]
    # For a mismatch: real_name, id_number, gender, birth_date, id_valid_from, id_valid_to.
    field: str | None


@internal_router.post("/internal/registry/photo-checks", response_model=PhotoCheckAnswer)
async def photo_check(
    body: PhotoCheckQuestion, _: InternalCaller, session: SessionDep, settings: SettingsDep
) -> PhotoCheckAnswer:
    """Is the account the record's person, and does the registry know them? 404 for an
    unknown account, 503 if the registry does not answer (records asks again later)."""
    answer = await service.check_person_for_photo(
        session,
        settings,
        user_id=body.user_id,
        real_name=body.real_name,
        id_number_hash=body.id_number_hash,
        photo_sha256=body.photo_sha256,
    )
    return PhotoCheckAnswer(outcome=answer.outcome.value, field=answer.field)  # type: ignore[arg-type]
