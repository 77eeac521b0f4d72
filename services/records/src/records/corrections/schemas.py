"""Request and response bodies of correction requests."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from records.academic.rules import RecordKind

CorrectableField = Literal["photo", "name", "gender", "birth_date", "id_number", "major"]
ValueField = Literal["name", "gender", "birth_date", "id_number", "major"]
MAX_VALUE_CHARS = 100
Value = Annotated[str, Field(min_length=1, max_length=MAX_VALUE_CHARS)]


class CorrectionFields(BaseModel):
    """The `fields` form part (JSON): field -> proposed value (none for the photo)."""

    fields: dict[CorrectableField, str | None] = Field(min_length=1, max_length=6)

    @model_validator(mode="after")
    def _bounded(self) -> "CorrectionFields":
        for value in self.fields.values():
            if value is not None and len(value) > MAX_VALUE_CHARS:
                raise ValueError(f"a proposed value has at most {MAX_VALUE_CHARS} characters")
        return self


class CorrectionAcceptance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["accept"]
    reason: str | None = Field(default=None, min_length=1, max_length=500)
    # Values the deciding staff supply or amend (a photo check names fields, not values).
    values: dict[ValueField, Value] = Field(default_factory=dict, max_length=5)


class CorrectionRejection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["reject"]
    # The student is told why.
    reason: str = Field(min_length=1, max_length=500)


Decision = Annotated[CorrectionAcceptance | CorrectionRejection, Field(discriminator="decision")]


class EvidenceView(BaseModel):
    id: uuid.UUID
    position: int
    media_type: str
    size: int


class CorrectionView(BaseModel):
    id: uuid.UUID
    kind: RecordKind
    record_id: uuid.UUID
    institution_id: str
    status: Literal["open", "accepted", "rejected"]
    fields: list[str]
    # Proposed values; a proposed ID number appears only masked (id_number_masked).
    proposed: dict[str, Any]
    note: str | None
    origin: Literal["student", "photo_check"]
    created_at: datetime
    decided_at: datetime | None
    decision_reason: str | None
    applied_version: int | None
    evidence: list[EvidenceView]
