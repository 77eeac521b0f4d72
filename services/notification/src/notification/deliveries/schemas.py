"""Response models of deliveries and their statistics."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, field_validator, model_validator

from educert_common.masking import mask_email, mask_mobile
from notification.schemas import ResponseModel


class DeliveryOut(ResponseModel):
    id: uuid.UUID
    message_id: uuid.UUID
    source_event_id: uuid.UUID
    event_type: str
    channel: str
    user_id: uuid.UUID | None
    # Masked: operators search by the full value, responses never show it.
    destination: str | None
    status: str
    failure_reason: str | None
    last_error: str | None
    attempts: int
    max_attempts: int
    next_attempt_at: datetime
    # None when the delivery carries a secret (code, link): rendered content of those is never
    # shown to operators, whatever a template said.
    subject: str | None
    provider_message_id: str | None
    carries_secret: bool
    redacted_at: datetime | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None

    @model_validator(mode="after")
    def _no_rendered_secret(self) -> "DeliveryOut":
        if self.carries_secret:
            self.subject = None
        return self

    @field_validator("destination")
    @classmethod
    def _masked(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return mask_email(value) if "@" in value else mask_mobile(value)


class ChannelStatusCount(BaseModel):
    channel: str
    status: str
    count: int
    p50_seconds: float | None
    p99_seconds: float | None


class ReasonCount(BaseModel):
    reason: str
    count: int


class SmsBudgetOut(BaseModel):
    """Today's (Asia/Shanghai) SMS count against the global daily budget (limit 0: none)."""

    day: date
    used: int
    limit: int
    non_essential_limit: int


class DeliveryStats(BaseModel):
    since: datetime
    until: datetime
    by_channel_and_status: list[ChannelStatusCount]
    failure_reasons: list[ReasonCount]
    sms_budget: SmsBudgetOut
