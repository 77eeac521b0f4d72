"""Request and response models of institutions."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from records.institutions.rules import INSTITUTION_CODE_SCHEMA, InstitutionKind, InstitutionStatus

InstitutionCode = Annotated[
    str, StringConstraints(pattern=INSTITUTION_CODE_SCHEMA["pattern"], min_length=10, max_length=10)
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]


class InstitutionFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_zh: Name
    name_en: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
    province: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=20)]
    city: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    authority: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = None
    kind: InstitutionKind


class InstitutionCreate(InstitutionFields):
    id: InstitutionCode = Field(description="The Ministry of Education's 10-digit code (标识码)")


class InstitutionUpdate(BaseModel):
    """Only the fields given change; status and successor change together."""

    model_config = ConfigDict(extra="forbid")

    name_zh: Name | None = None
    name_en: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
        | None
    ) = None
    province: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=20)] | None
    ) = None
    city: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    authority: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = None
    kind: InstitutionKind | None = None
    status: InstitutionStatus | None = None
    successor_id: InstitutionCode | None = Field(
        default=None, description="Required when the status is `merged`: who took it over"
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]


class InstitutionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name_zh: str
    name_en: str
    province: str
    city: str | None
    authority: str | None
    kind: InstitutionKind
    status: InstitutionStatus
    successor_id: str | None
    updated_at: datetime
