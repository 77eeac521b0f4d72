"""What the applicant's routes take and answer."""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from educert_common.events.catalogue import ApplicationKind, ApplicationState


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DraftOpen(StrictModel):
    kind: ApplicationKind
    # Only for kind "reconsideration": the decided application whose result is contested.
    reconsideration_of: uuid.UUID | None = None


class StepSave(StrictModel):
    # The step's fields (see GET /certification/kinds for each kind's steps).
    data: dict[str, Any]


class Submission(StrictModel):
    # The applicant confirms that what they declared is true and the materials genuine.
    declaration_accepted: Literal[True]
    # Shown masked on the proxy-pay page when someone else pays (代付).
    holder_name: str | None = Field(default=None, min_length=1, max_length=100)


class Withdrawal(StrictModel):
    reason: str = Field(default="", max_length=500)


class FindingOut(BaseModel):
    code: str
    severity: Literal["warning", "blocking"]
    field: str
    message_en: str
    message_zh: str
    details: dict[str, Any] = {}


class ApplicationOrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    order_id: uuid.UUID
    purpose: str
    amount_fen: int
    status: Literal["created", "paid", "expired"]
    created_at: datetime
    paid_at: datetime | None


class TransitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_state: ApplicationState
    to_state: ApplicationState
    at: datetime
    # "applicant", "reviewer", "payment", "operator": never the reviewer's identity.
    by: str
    reason: str


class EstimateOut(BaseModel):
    # None when the Chinese holiday data runs out before it (basis.calendar_exhausted).
    completion_date: date | None
    working_days_left: int | None
    bottleneck: Literal[
        "waiting_for_payment",
        "waiting_for_review",
        "in_review",
        "waiting_for_applicant",
        "waiting_for_institution",
    ]
    basis: dict[str, Any]


class AskedOut(BaseModel):
    """One thing the applicant is asked to do now, in both languages; for a returned
    application each unanswered supplement item (its id, mode, slot and the reviewer's
    message; the texts name the slot by its label)."""

    en: str
    zh: str
    item_id: uuid.UUID | None = None
    mode: Literal["add_file", "reupload_file", "paper"] | None = None
    slot: str | None = None
    message: str | None = None


class ApplicationSummary(BaseModel):
    id: uuid.UUID
    number: str
    kind: ApplicationKind
    state: ApplicationState
    country: str | None
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None


class ApplicationOut(ApplicationSummary):
    reconsideration_of: uuid.UUID | None
    steps: dict[str, Any]
    saved_steps: list[str]
    next_step: str | None
    face_verified: bool
    entry_exit_records: list[dict[str, Any]] | None
    findings: list[FindingOut]
    orders: list[ApplicationOrderOut]
    allowed_actions: list[str]
    estimate: EstimateOut | None
    # What the applicant is asked to do now, in both languages.
    asked_of_you: list[AskedOut]
    history: list[TransitionOut]
