"""Request and response models of staff accounts."""

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from identity.accounts.validation import EMAIL_SCHEMA, USERNAME_SCHEMA


class StaffCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # operator and admin: only an admin may create them.
    role: Literal["institution_staff", "reviewer", "operator", "admin"]
    username: str = Field(min_length=4, max_length=32, json_schema_extra=USERNAME_SCHEMA)
    email: str = Field(min_length=3, max_length=254, json_schema_extra=EMAIL_SCHEMA)
    institution_id: str | None = Field(default=None, max_length=64)


class StaffView(BaseModel):
    id: uuid.UUID
    username: str | None
    roles: list[str]
    institution_id: str | None
    email_masked: str | None
    status: str
    has_password: bool
