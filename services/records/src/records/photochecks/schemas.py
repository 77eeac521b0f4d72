"""Request and response bodies of photo checks and record photos."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from records.academic.rules import RecordKind

CheckedField = Literal["photo", "name", "id_number", "birth_date", "major"]


class PhotoCheckCorrect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conclusion: Literal["correct"]


class PhotoCheckWrong(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conclusion: Literal["wrong"]
    wrong_fields: list[CheckedField] = Field(min_length=1, max_length=5)

    @field_validator("wrong_fields")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


# "correct" names no fields; "wrong" names at least one (the schema says so, per conclusion).
PhotoCheckAnswer = Annotated[PhotoCheckCorrect | PhotoCheckWrong, Field(discriminator="conclusion")]


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
