"""Request and response models of partner API keys."""

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from identity.apikeys.models import SCOPES
from identity.config import IdentitySettings


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    institution_id: str = Field(min_length=1, max_length=64)
    scopes: list[str] = Field(
        min_length=1, max_length=10, json_schema_extra={"items": {"enum": sorted(SCOPES)}}
    )
    # With a UTC offset (a naive time is ambiguous): 422 otherwise.
    expires_at: AwareDatetime | None = None


class Rotation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The document gives the default bound; `IDENTITY_API_KEY_MAX_OVERLAP_HOURS` can change it.
    overlap_hours: int = Field(
        default=24,
        ge=0,
        json_schema_extra={
            "maximum": IdentitySettings.model_fields["api_key_max_overlap_hours"].default
        },
    )


class ApiKeyView(BaseModel):
    id: uuid.UUID
    name: str
    institution_id: str
    prefix: str
    scopes: list[str]
    status: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    rotated_from_id: uuid.UUID | None
    rotated_to_id: uuid.UUID | None


class IssuedApiKey(ApiKeyView):
    # The whole key: shown in this response only, never stored or shown again.
    key: str


class ExchangeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_key: str = Field(min_length=1, max_length=200)


class ExchangeResponse(BaseModel):
    access_token: str
    expires_in: int
