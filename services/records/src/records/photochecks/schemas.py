"""Request and response bodies of photo checks and record photos."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from records.academic.rules import RecordKind

CheckedField = Literal["photo", "name", "id_number", "birth_date", "major"]


class PhotoCheckAnswer(BaseModel):
    conclusion: Literal["correct", "wrong"]
    # Required (at least one) with "wrong", empty with "correct".
    wrong_fields: list[CheckedField] = Field(
        default_factory=list, max_length=5, validate_default=True
    )

    @field_validator("wrong_fields")
    @classmethod
    def _fields_match_conclusion(cls, value: list[str], info: ValidationInfo) -> list[str]:
        conclusion = info.data.get("conclusion")
        if conclusion == "wrong" and not value:
            raise ValueError("name at least one wrong field when the conclusion is wrong")
        if conclusion == "correct" and value:
            raise ValueError("a correct conclusion names no wrong fields")
        return list(dict.fromkeys(value))


class CheckState(BaseModel):
    conclusion: Literal["correct", "wrong"]
    wrong_fields: list[str]
    first_answered_at: datetime
    answered_at: datetime
    # Until then the answer may be changed; from then on it is final.
    effective_at: datetime
    final: bool
    concluded_at: datetime | None
    correction_id: uuid.UUID | None


class PhotoCheckView(BaseModel):
    """What the student checks: the photo (fetched separately) and the key fields."""

    record_id: uuid.UUID
    kind: RecordKind
    institution_id: str
    name: str
    id_number_masked: str
    birth_date: date
    major: str
    has_photo: bool
    check: CheckState | None


class PhotoOutcome(BaseModel):
    changed: bool
    version: int
