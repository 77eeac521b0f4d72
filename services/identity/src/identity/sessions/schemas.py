"""Request and response models of logins, token refresh and sessions."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # An e-mail address, a mainland mobile number or a username.
    identifier: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=64)
    # The device token an earlier login on this device returned: failures from it are
    # counted on the device, so guesses from elsewhere never lock it out.
    device_token: str | None = Field(default=None, max_length=200)
    # A solved captcha's pass (POST /captcha/answers), needed from unknown devices once the
    # account has too many recent failures (429 captcha_required).
    captcha_token: str | None = Field(default=None, max_length=200)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=10, max_length=200)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    session_id: uuid.UUID
    # Send it with this device's next logins (keep it like a cookie; it is not a credential).
    device_token: str | None = None


class SessionView(BaseModel):
    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None
    current: bool
