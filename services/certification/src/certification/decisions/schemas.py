"""What the decision and refusal-reason routes take and answer."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from certification.applications.schemas import StrictModel
from educert_common.events.catalogue import ApplicationState

REASON_CODE = r"^[a-z][a-z0-9_]{1,39}$"


class Certification(StrictModel):
    # The reviewer's remark, kept with the decision and the transition.
    comment: str = Field(default="", max_length=2000)


class Refusal(StrictModel):
    # Codes from the managed list (GET /review/refusal-reasons), at least one.
    reasons: list[str] = Field(min_length=1, max_length=10)
    # Free text added to the chosen reasons (shown to the applicant).
    comment: str = Field(default="", max_length=2000)


class DecisionResult(BaseModel):
    application_id: uuid.UUID
    state: ApplicationState
    outcome: str
    reasons: list[dict[str, str]]
    comment: str
    certificate_id: uuid.UUID | None
    certificate_number: str | None
    decided_by: str
    decided_at: datetime


class RefusalReasonIn(StrictModel):
    code: str = Field(pattern=REASON_CODE)
    text_zh: str = Field(min_length=1, max_length=500)
    text_en: str = Field(min_length=1, max_length=500)
    active: bool = True


class RefusalReasonPatch(StrictModel):
    text_zh: str | None = Field(default=None, min_length=1, max_length=500)
    text_en: str | None = Field(default=None, min_length=1, max_length=500)
    active: bool | None = None


class RefusalReasonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    text_zh: str
    text_en: str
    active: bool
    created_at: datetime
    updated_at: datetime
