"""Request and response bodies of degree application rounds and applications."""

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from educert_common.verification.answer import VerificationAnswer
from records.degreeapps.rules import ALL_MATERIALS, RETURNABLE_FIELDS

Material = Literal[
    "id_card_front", "id_card_back", "diploma_scan", "language_proof", "registration_form",
    "photo",
]  # fmt: skip
ApplicationStatus = Literal[
    "draft", "submitted", "returned", "approved", "confirmed", "disqualified"
]
assert set(Material.__args__) == set(ALL_MATERIALS)  # type: ignore[attr-defined]


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    round_id: uuid.UUID


class ReportCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The verification code of your own qualification report (with or without hyphens).
    code: str = Field(min_length=1, max_length=64)


class ReturnReason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: Literal[RETURNABLE_FIELDS]  # type: ignore[valid-type]
    reason: str = Field(min_length=1, max_length=500)


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reasons: list[ReturnReason] = Field(min_length=1, max_length=10)


class DisqualifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class DegreeMaterialOut(BaseModel):
    slot: str
    version: int
    media_type: str
    size: int
    pages: int | None
    width: int | None
    height: int | None
    filename: str
    sha256: str
    uploaded_at: datetime


class DegreeApplicationOut(BaseModel):
    id: uuid.UUID
    round_id: uuid.UUID
    institution_id: str
    applicant_id: uuid.UUID
    record_kind: str
    record_id: uuid.UUID
    record_version: int
    status: ApplicationStatus
    # The status fields as the record said when the student applied.
    snapshot: dict[str, str]
    materials: list[DegreeMaterialOut]
    # Required materials still missing (the registration form counts as given by a code).
    missing_materials: list[str]
    registration_report_code: str | None
    return_reasons: list[dict[str, str]]
    submitted_at: datetime | None
    returned_at: datetime | None
    approved_at: datetime | None
    confirmed_at: datetime | None
    receipt_code: str | None
    disqualified_at: datetime | None
    disqualified_reason: str | None
    created_at: datetime
    updated_at: datetime


class StaffApplicationOut(DegreeApplicationOut):
    # What the registration report's code verifies as now (checked in place, for staff).
    registration_report: VerificationAnswer | None = None


class ApplicationRow(BaseModel):
    """One line of a round's list for staff."""

    id: uuid.UUID
    status: ApplicationStatus
    student_number: str
    name: str
    major: str
    submitted_at: datetime | None
    confirmed_at: datetime | None
    receipt_code: str | None
    created_at: datetime

    @classmethod
    def of(cls, application: Any) -> "ApplicationRow":
        snapshot = application.snapshot
        return cls(
            id=application.id,
            status=application.status,
            student_number=snapshot.get("student_number", ""),
            name=snapshot.get("name", ""),
            major=snapshot.get("major", ""),
            submitted_at=application.submitted_at,
            confirmed_at=application.confirmed_at,
            receipt_code=application.receipt_code,
            created_at=application.created_at,
        )
