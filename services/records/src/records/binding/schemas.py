"""Request and response models of binding (the student's manual binding, operators'
unbinding)."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from records.academic.rules import RecordKind
from records.academic.schemas import Reason
from records.binding.rules import MANUAL_YEARS
from records.institutions.rules import INSTITUTION_CODE_SCHEMA


class ManualBinding(BaseModel):
    """An old qualification (graduated 1991-2001), found by certificate number, year and
    institution."""

    model_config = ConfigDict(extra="forbid")

    institution_id: Annotated[
        str,
        StringConstraints(pattern=INSTITUTION_CODE_SCHEMA["pattern"], min_length=10, max_length=10),
    ] = Field(description="The issuing institution's 10-digit code (标识码)")
    graduation_year: int = Field(ge=MANUAL_YEARS[0], le=MANUAL_YEARS[1])
    certificate_number: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[0-9A-Za-z.\- №]+$"
        ),
    ] = Field(
        description="The institution's own certificate number or the serial printed as "
        "NO.00298959 (with or without NO. and leading zeros)"
    )


class BoundRecord(BaseModel):
    kind: RecordKind
    id: uuid.UUID
    institution_id: str
    bound_via: str
    bound_at: datetime


class UnbindRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="Why the record leaves the account (kept in the audit)")


class Unbound(BaseModel):
    kind: RecordKind
    id: uuid.UUID
    bound: bool = Field(description="Always false after unbinding")
