"""Request and response models of the login captcha."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ChallengeView(BaseModel):
    challenge_id: str
    kind: str
    expires_in: int
    payload: dict[str, Any]


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge_id: str = Field(min_length=1, max_length=100)
    # The adapter's answer: {"x": <int>} for the development slider, a vendor's ticket else.
    answer: dict[str, Any]


class PassView(BaseModel):
    captcha_token: str
    expires_in: int
