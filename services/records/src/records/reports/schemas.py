"""Request and response bodies of reports."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from records.academic.rules import RecordKind
from records.reports.rules import Disclosure


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DisclosureIn(StrictModel):
    """What the report shows beyond the record's facts (the least is the default for the ID
    number: masked; hide birth date and photo if the verifier does not need them)."""

    id_number: Literal["masked", "hidden"] = "masked"
    birth_date: Literal["shown", "hidden"] = "shown"
    photo: Literal["shown", "hidden"] = "shown"

    def rule(self) -> Disclosure:
        return Disclosure(
            id_number=self.id_number,
            birth_date=self.birth_date == "shown",
            photo=self.photo == "shown",
        )


class ReportOrder(StrictModel):
    record_kind: RecordKind
    record_id: uuid.UUID
    validity_days: int = Field(ge=1, le=3660)
    disclosure: DisclosureIn = Field(default_factory=DisclosureIn)
    # Be told (inbox, e-mail) on every verification, with a link that closes the report.
    alert_on_verify: bool = False


class Extension(StrictModel):
    days: int = Field(ge=1, le=3660)


class FactOut(BaseModel):
    key: str
    label_zh: str
    label_en: str
    value_zh: str
    value_en: str


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    # The verification code as people read it (XXXX-XXXX-XXXX-XXXX): only the holder sees it
    # here; whoever they give it to can verify the report.
    code: str
    record_kind: RecordKind
    record_id: uuid.UUID
    status: Literal["awaiting_payment", "active", "closed", "revoked", "cancelled"]
    # What a verifier is told now (valid, not_yet_valid, expired, closed, revoked, unknown).
    state: str
    validity_days: int
    valid_from: datetime | None
    valid_until: datetime | None
    disclosure: dict[str, object]
    facts: list[FactOut]
    has_photo: bool
    alert_on_verify: bool
    order_id: uuid.UUID | None
    verify_url: str
    issued_at: datetime | None
    closed_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None
    created_at: datetime


class VerificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    verified_at: datetime
    channel: Literal["page", "api", "bulk"]
    partner: str | None
    client_masked: str | None
    state: str


class PolicyIn(StrictModel):
    min_validity_days: int = Field(ge=1, le=3660)
    max_validity_days: int = Field(ge=1, le=3660)
    fee_required: bool


class PolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    min_validity_days: int
    max_validity_days: int
    fee_required: bool
    updated_by: str
    updated_at: datetime


class BulkVerification(StrictModel):
    codes: list[str] = Field(min_length=1, max_length=1000)
