"""Request and response bodies of certificates."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from educert_common.verification.answer import Fact

# One line of printable text: no control characters (PostgreSQL text cannot hold NUL, and
# a reason shown on the public page is one line).
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Revocation(StrictModel):
    # Shown to whoever verifies the certificate from now on: say why, plainly.
    reason: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=3, max_length=500, pattern=PRINTABLE),
    ]


class DispatchIn(StrictModel):
    courier_company: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=2, max_length=40, pattern=PRINTABLE),
    ]
    tracking_number: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{6,40}$")
    ]
    dispatched_at: AwareDatetime

    @field_validator("dispatched_at")
    @classmethod
    def _plausible(cls, value: datetime) -> datetime:
        # Also keeps the conversion to UTC (storage) clear of the calendar's ends.
        if not 2000 <= value.year <= 2100:
            raise ValueError("dispatched_at must be a date between 2000 and 2100")
        return value


class DispatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    courier_company: str
    tracking_number: str
    dispatched_at: datetime


class CertificateOut(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    number: str
    # The verification code as people read it (XXXX-XXXX-XXXX-XXXX).
    code: str
    document_type: str
    title_zh: str
    title_en: str
    state: Literal["valid", "revoked"]
    facts: list[Fact]
    issued_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None
    verify_url: str
    # Domestic certification: the certificate PDF is the e-report (download it in zh or en);
    # with a paper report (paper_zh, paper_en) its courier dispatches follow.
    e_report: bool
    paper_report: Literal["paper_zh", "paper_en"] | None
    dispatches: list[DispatchOut]


class BulkVerification(StrictModel):
    codes: list[str] = Field(min_length=1, max_length=1000)
