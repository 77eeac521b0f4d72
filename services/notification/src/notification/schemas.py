"""Request and response models of the notification API."""

import json
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from educert_common.masking import mask_email, mask_mobile

ChannelName = Literal["sms", "email", "inbox"]
LocaleName = Literal["zh", "en"]
TemplateKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,79}$")]
EventType = Annotated[str, Field(pattern=r"^[a-z][a-z_]*\.[a-z][a-z_]*\.[a-z][a-z_]*$")]
SmsTemplateCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]{1,64}$")]
SourceText = Annotated[str, Field(min_length=1, max_length=20_000)]
SubjectText = Annotated[str, Field(min_length=1, max_length=500)]
MAX_SAMPLE_BYTES = 16_384


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _bounded(data: dict[str, Any]) -> dict[str, Any]:
    if len(json.dumps(data, default=str)) > MAX_SAMPLE_BYTES:
        raise ValueError(f"at most {MAX_SAMPLE_BYTES} bytes of JSON")
    return data


class _Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# Templates ------------------------------------------------------------------------------------


class TemplateCreate(_Input):
    key: TemplateKey
    channel: ChannelName
    locale: LocaleName
    subject: SubjectText | None = None
    body: SourceText
    html_body: SourceText | None = None
    sms_template_code: SmsTemplateCode | None = None
    sample_data: dict[str, Any] = Field(default_factory=dict)

    _sample = field_validator("sample_data")(_bounded)


class TemplateUpdate(_Input):
    """Only the fields given change; the result must still render with its sample data."""

    subject: SubjectText | None = None
    # The body and the sample data can change but not be removed: null is refused (422), and
    # the document says so (no null in their schemas).
    body: SourceText = None  # type: ignore[assignment]
    html_body: SourceText | None = None
    sms_template_code: SmsTemplateCode | None = None
    sample_data: dict[str, Any] = None  # type: ignore[assignment]

    @field_validator("sample_data")
    @classmethod
    def _sample_bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _bounded(value)


class TemplateOut(_Output):
    id: uuid.UUID
    key: str
    channel: str
    locale: str
    subject: str | None
    body: str
    html_body: str | None
    sms_template_code: str | None
    sample_data: dict[str, Any]
    version: int
    updated_by: str | None
    created_at: datetime
    updated_at: datetime


class PreviewRequest(_Input):
    """Render unsaved template text with sample data."""

    channel: ChannelName
    subject: SubjectText | None = None
    body: SourceText
    html_body: SourceText | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    _sample = field_validator("data")(_bounded)


class StoredPreviewRequest(_Input):
    """Render a stored template; `data` overrides names of its sample data."""

    data: dict[str, Any] = Field(default_factory=dict)

    _sample = field_validator("data")(_bounded)


class PreviewOut(BaseModel):
    subject: str | None
    body: str
    html_body: str | None
    characters: int


# Routes ---------------------------------------------------------------------------------------


class RouteIn(_Input):
    template_key: TemplateKey
    channels: list[ChannelName] = Field(min_length=1, max_length=3)
    essential: bool = False
    rate_limited: bool = False
    enabled: bool = True


class RouteOut(_Output):
    event_type: str
    template_key: str
    channels: list[str]
    essential: bool
    rate_limited: bool
    enabled: bool
    updated_at: datetime


# Deliveries -----------------------------------------------------------------------------------


class DeliveryOut(_Output):
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


# Inbox and preferences ------------------------------------------------------------------------


class InboxItemOut(_Output):
    id: uuid.UUID
    event_type: str
    title: str
    body: str
    read_at: datetime | None
    created_at: datetime


class UnreadCount(BaseModel):
    unread: int


class MarkedRead(BaseModel):
    marked: int


class PreferencesIn(_Input):
    mute_non_essential: bool


class PreferencesOut(BaseModel):
    mute_non_essential: bool
    # Always delivered, whatever is muted.
    essential_event_types: list[str]


# Captured mail (development) ------------------------------------------------------------------


class CapturedMailOut(_Output):
    id: uuid.UUID
    mail_from: str
    recipients: list[str]
    subject: str | None
    message_id: str | None
    created_at: datetime


class CapturedMailDetail(CapturedMailOut):
    headers: dict[str, str]
    text: str | None
    html: str | None
