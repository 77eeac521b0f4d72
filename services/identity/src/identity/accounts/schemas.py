"""Request and response models of accounts: every field listed, nothing else accepted."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from identity.accounts.validation import (
    COUNTRY_SCHEMA,
    DESTINATION_SCHEMA,
    EMAIL_SCHEMA,
    MOBILE_SCHEMA,
    PASSWORD_SCHEMA,
    USERNAME_SCHEMA,
    VERIFICATION_CODE_SCHEMA,
    IdType,
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=200)


class RegistrationRequest(Strict):
    real_name: str = Field(min_length=1, max_length=100)
    nationality: str = Field(
        min_length=2, max_length=2, examples=["CN"], json_schema_extra=COUNTRY_SCHEMA
    )
    gender: Literal["male", "female"]
    id_type: str = Field(
        max_length=32,
        examples=["resident_id"],
        json_schema_extra={"enum": [id_type.value for id_type in IdType]},
    )
    id_number: str = Field(min_length=1, max_length=40)
    id_valid_from: date
    # None: valid long-term (长期), resident ID cards only.
    id_valid_to: date | None
    # Required unless the ID number carries it (resident ID, residence permit).
    birth_date: date | None = None
    mobile: str = Field(min_length=5, max_length=24, json_schema_extra=MOBILE_SCHEMA)
    email: str = Field(min_length=3, max_length=254, json_schema_extra=EMAIL_SCHEMA)
    password: str = Field(min_length=1, max_length=64, json_schema_extra=PASSWORD_SCHEMA)
    username: str | None = Field(default=None, max_length=32, json_schema_extra=USERNAME_SCHEMA)
    locale: Literal["zh", "en"] = "zh"


class IdentityCorrection(Strict):
    """Correct the real-name data before it is verified (refused afterwards)."""

    real_name: str = Field(min_length=1, max_length=100)
    gender: Literal["male", "female"]
    id_valid_from: date
    id_valid_to: date | None
    birth_date: date | None = None


class Notice(BaseModel):
    code: str
    message: str


class RegistrationResponse(BaseModel):
    user_id: uuid.UUID
    username: str | None
    email_masked: str
    mobile_masked: str
    mobile_is_mainland: bool
    # e.g. "codes go by e-mail" for a foreign number.
    notices: list[Notice]


class MeView(BaseModel):
    """The caller's own account, personal data masked."""

    id: uuid.UUID
    username: str | None
    roles: list[str]
    institution_id: str | None
    status: str
    email_masked: str | None
    email_verified: bool
    mobile_masked: str | None
    mobile_is_mainland: bool
    mobile_verified: bool
    real_name_masked: str | None
    nationality: str | None
    gender: str | None
    id_type: str | None
    id_number_masked: str | None
    id_valid_from: date | None
    id_valid_to: date | None
    id_valid_long_term: bool
    realname_status: str
    realname_mismatch_field: str | None
    realname_verified_at: datetime | None
    created_at: datetime


class UsernameChange(Strict):
    username: str = Field(min_length=1, max_length=40, json_schema_extra=USERNAME_SCHEMA)


class PasswordChange(Strict):
    current_password: str = Field(min_length=1, max_length=64)
    new_password: str = Field(min_length=1, max_length=64, json_schema_extra=PASSWORD_SCHEMA)


class EmailTarget(Strict):
    email: str = Field(min_length=3, max_length=254, json_schema_extra=EMAIL_SCHEMA)


class MobileTarget(Strict):
    mobile: str = Field(min_length=5, max_length=24, json_schema_extra=MOBILE_SCHEMA)


class EmailChangeRequest(EmailTarget):
    # Needed unless the caller's session logged in with the password a few minutes ago.
    current_password: str | None = Field(default=None, min_length=1, max_length=64)


class MobileChangeRequest(MobileTarget):
    # Needed unless the caller's session logged in with the password a few minutes ago.
    current_password: str | None = Field(default=None, min_length=1, max_length=64)


class EmailChange(EmailTarget):
    code: str = Field(min_length=1, max_length=12, json_schema_extra=VERIFICATION_CODE_SCHEMA)


class MobileChange(MobileTarget):
    code: str = Field(min_length=1, max_length=12, json_schema_extra=VERIFICATION_CODE_SCHEMA)


class CodeSent(BaseModel):
    """The same answer whether or not an account exists for the destination."""

    channel: str
    destination_masked: str
    expires_in: int
    resend_after: int


class ActivationRequest(Strict):
    token: str = Field(min_length=10, max_length=300)


class RegistrationCodeVerify(MobileTarget):
    code: str = Field(min_length=1, max_length=12, json_schema_extra=VERIFICATION_CODE_SCHEMA)


class RecoveryTarget(Strict):
    """An e-mail address or a mainland mobile number."""

    destination: str = Field(min_length=3, max_length=254, json_schema_extra=DESTINATION_SCHEMA)


class PasswordReset(RecoveryTarget):
    code: str = Field(min_length=1, max_length=12, json_schema_extra=VERIFICATION_CODE_SCHEMA)
    new_password: str = Field(min_length=1, max_length=64, json_schema_extra=PASSWORD_SCHEMA)


class UsernameRecovery(RecoveryTarget):
    code: str = Field(min_length=1, max_length=12, json_schema_extra=VERIFICATION_CODE_SCHEMA)


class FoundAccount(BaseModel):
    username: str | None
    email_masked: str | None
    mobile_masked: str | None


class Done(BaseModel):
    ok: bool = True
