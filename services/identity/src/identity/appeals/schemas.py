"""Request and response models of duplicate-ID appeals."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class AppealView(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    status: str
    created_at: datetime
    decided_at: datetime | None
    decision_reason: str | None
    statement: str | None


class OperatorAppealView(AppealView):
    holder_id: uuid.UUID
    id_scan_type: str
    head_photo_type: str
    decided_by: str | None


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["grant", "reject"]
    reason: str = Field(min_length=1, max_length=1000)
