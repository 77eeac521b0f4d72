"""What the reviewer workbench's routes take and answer."""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from certification.applications.schemas import ApplicationOrderOut, FindingOut, StrictModel
from certification.materials.schemas import MaterialsOut
from certification.supplements.schemas import RequestOut
from educert_common.events.catalogue import ApplicationKind, ApplicationState

# The states a reviewer filters the queue by ("waiting" = submitted or resubmitted).
QueueState = Literal[
    "waiting", "submitted", "resubmitted", "in_review", "returned", "certified", "refused"
]


class QueueItem(BaseModel):
    id: uuid.UUID
    number: str
    kind: ApplicationKind
    state: ApplicationState
    country: str | None
    queued_at: datetime
    due_on: date | None
    sla_breached: bool
    days_queued: int
    submitted_at: datetime | None
    # Reviewers see who holds an application (applicants never do).
    claimed_by: str | None
    claimed_at: datetime | None


class ClaimOut(BaseModel):
    id: uuid.UUID
    state: ApplicationState
    claimed_by: str | None
    claimed_at: datetime | None


class Release(StrictModel):
    # Why an operator releases another reviewer's claim (kept in the audit log).
    reason: str = Field(default="", max_length=500)


class NoteIn(StrictModel):
    body: str = Field(min_length=1, max_length=4000)


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    author: str
    body: str
    created_at: datetime


class ReviewTransitionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_state: ApplicationState
    to_state: ApplicationState
    # The account id of whoever moved it, "payment" or "system".
    actor: str
    reason: str
    at: datetime


class ApplicantOut(BaseModel):
    user_id: uuid.UUID
    real_name: str | None
    gender: str | None
    birth_date: date | None


class DecisionOut(BaseModel):
    outcome: Literal["certified", "refused"]
    reasons: list[dict[str, str]]
    comment: str
    certificate_id: uuid.UUID | None
    certificate_number: str | None
    decided_by: str
    decided_at: datetime


class ReviewApplicationOut(BaseModel):
    id: uuid.UUID
    number: str
    kind: ApplicationKind
    state: ApplicationState
    country: str | None
    reconsideration_of: uuid.UUID | None
    applicant: ApplicantOut
    steps: dict[str, Any]
    face_verified: bool
    entry_exit_records: list[dict[str, Any]] | None
    findings: list[FindingOut]
    orders: list[ApplicationOrderOut]
    history: list[ReviewTransitionOut]
    notes: list[NoteOut]
    # Every slot with its files and each file's versions (`current` is the newest); a version
    # uploaded as a supplement answer names the item (`supplement_item_id`, in `supplements`).
    materials: MaterialsOut
    # Supplement requests, newest first, with their items and answers.
    supplements: list[RequestOut]
    decision: DecisionOut | None
    claimed_by: str | None
    claimed_at: datetime | None
    queued_at: datetime | None
    due_on: date | None
    sla_breached: bool
    submitted_at: datetime | None
    decided_at: datetime | None
    # What the caller may do now, given the state and the claim: claim, release,
    # request_supplements, certify, refuse.
    allowed_actions: list[str]
