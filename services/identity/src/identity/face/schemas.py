"""Request and response models of real-person (face) verification."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class FaceSessionView(BaseModel):
    id: uuid.UUID
    status: str
    expires_at: datetime
    # What the QR code encodes: JSON the government app scans.
    qr_payload: str | None
    completed_at: datetime | None
    # Why a session failed: the app's reason, or "person_mismatch" (someone else's face).
    failure_reason: str | None
    entry_exit_records: list[dict[str, Any]] | None


class CallbackAccepted(BaseModel):
    session_id: uuid.UUID
    status: str


class CallbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_id: uuid.UUID
    challenge: str = Field(max_length=64)
    result: str = Field(pattern="^(pass|fail)$")
    entry_exit_records: list[dict[str, Any]] = Field(default_factory=list, max_length=500)
    reason: str | None = Field(default=None, max_length=100)
    # Who the app verified: the keyed blind index of their ID number, computed as identity
    # does (HMAC with EDUCERT_ID_NUMBER_INDEX_SECRET, see BlindIndex "id_number"). Required
    # for a pass; the session passes only if it is the account holder's.
    id_number_hash: str | None = Field(default=None, pattern="^[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _pass_names_the_person(self) -> "CallbackBody":
        if self.result == "pass" and self.id_number_hash is None:
            raise ValueError("a passing result must carry id_number_hash")
        return self
