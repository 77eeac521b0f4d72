"""Request and response models of templates and previews."""

import json
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator

from notification.schemas import ChannelName, LocaleName, RequestModel, ResponseModel, TemplateKey

SmsTemplateCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]{1,64}$")]


SourceText = Annotated[str, Field(min_length=1, max_length=20_000)]


SubjectText = Annotated[str, Field(min_length=1, max_length=500)]


MAX_SAMPLE_BYTES = 16_384


def _bounded(data: dict[str, Any]) -> dict[str, Any]:
    if len(json.dumps(data, default=str)) > MAX_SAMPLE_BYTES:
        raise ValueError(f"at most {MAX_SAMPLE_BYTES} bytes of JSON")
    return data


class TemplateCreate(RequestModel):
    key: TemplateKey
    channel: ChannelName
    locale: LocaleName
    subject: SubjectText | None = None
    body: SourceText
    html_body: SourceText | None = None
    sms_template_code: SmsTemplateCode | None = None
    sample_data: dict[str, Any] = Field(default_factory=dict)

    _sample = field_validator("sample_data")(_bounded)


class TemplateUpdate(RequestModel):
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


class TemplateOut(ResponseModel):
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


class PreviewRequest(RequestModel):
    """Render unsaved template text with sample data."""

    channel: ChannelName
    subject: SubjectText | None = None
    body: SourceText
    html_body: SourceText | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    _sample = field_validator("data")(_bounded)


class StoredPreviewRequest(RequestModel):
    """Render a stored template; `data` overrides names of its sample data."""

    data: dict[str, Any] = Field(default_factory=dict)

    _sample = field_validator("data")(_bounded)


class PreviewOut(BaseModel):
    subject: str | None
    body: str
    html_body: str | None
    characters: int
