"""The envelope every event travels in."""

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

# <service>.<entity>.<past-tense verb>, e.g. payment.order.paid
EVENT_TYPE_PATTERN = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*\.[a-z][a-z_]*$")


class EventEnvelope(BaseModel):
    """A fact one service announces: who said it, about what, when, and in answer to what."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int = Field(default=1, ge=1)
    source: str
    occurred_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str | None = None
    subject: str
    data: dict[str, Any]

    @field_validator("type")
    @classmethod
    def _type_is_a_fact(cls, value: str) -> str:
        if not EVENT_TYPE_PATTERN.match(value):
            raise ValueError("event type must read <service>.<entity>.<past-tense verb>")
        return value
