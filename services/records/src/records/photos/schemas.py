"""Request and response bodies of photo upload attempts and their review."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from records.academic.rules import RecordKind

AttemptState = Literal[
    "awaiting_payment",
    "paid",
    "registry_checking",
    "registry_failed",
    "in_review",
    "approved",
    "rejected",
    "cancelled",
]


class RegistryResult(BaseModel):
    # match, mismatch, not_found or no_account; None until the registry answered.
    outcome: str | None
    field: str | None
    checked_at: datetime | None
    tries: int


class PhotoAttemptView(BaseModel):
    """An attempt as its student polls it (and staff see it, with the person's name)."""

    id: uuid.UUID
    kind: RecordKind
    record_id: uuid.UUID
    institution_id: str
    status: AttemptState
    # Pay this order through payment's order routes (None while payment was unreachable).
    order_id: uuid.UUID | None
    uploaded_bytes: int
    paid_at: datetime | None
    registry: RegistryResult
    # The day (Beijing time) the manual review is expected by, once it waits for review.
    review_due_on: date | None
    reviewed_at: datetime | None
    # The reviewer's reason for a rejection.
    reason: str | None
    # The record version the approved photo became.
    record_version: int | None
    created_at: datetime
    updated_at: datetime


class ReviewView(PhotoAttemptView):
    """What a reviewer sees besides: whose record (the ID number masked)."""

    student_number: str
    name: str
    id_number_masked: str
    record_has_photo: bool


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve"]
    reason: str | None = Field(default=None, max_length=500)


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["reject"]
    # Told to the student (photo quality, background, not a frontal portrait, a scan...).
    reason: str = Field(min_length=2, max_length=500)


ReviewDecision = Annotated[Approval | Rejection, Field(discriminator="decision")]
