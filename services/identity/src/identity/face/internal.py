"""Internal route for certification: a user's latest passed face verification."""

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from educert_common.app import SessionDep
from educert_common.http.internal import InternalCaller
from identity.face import service

internal_router = APIRouter(tags=["internal"], include_in_schema=False)


class FaceResult(BaseModel):
    session_id: uuid.UUID
    user_id: uuid.UUID
    status: str
    completed_at: datetime | None
    entry_exit_records: list[dict[str, Any]] | None


@internal_router.get("/internal/face/users/{user_id}/latest-passed", response_model=FaceResult)
async def latest_passed(user_id: uuid.UUID, _: InternalCaller, session: SessionDep) -> FaceResult:
    """Return the user's latest passed face verification (404 if none)."""
    face = await service.latest_passed(session, user_id=user_id)
    return FaceResult(
        session_id=face.id,
        user_id=face.user_id,
        status=face.status,
        completed_at=face.completed_at,
        entry_exit_records=face.entry_exit_records,
    )
