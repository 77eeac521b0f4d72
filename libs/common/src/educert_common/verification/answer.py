"""The one verification answer that every channel (HTML page, JSON API, bulk check) gives."""

import re
from datetime import UTC, datetime
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from educert_common.verification.codes import ALPHABET

VerificationState = Literal["valid", "not_yet_valid", "expired", "closed", "revoked", "unknown"]
RegistryStatus = Literal["active", "merged", "closed", "unknown"]

# The display form: groups of four joined by hyphens, the last group possibly shorter.
_DISPLAY_CODE = re.compile(rf"[{ALPHABET}]{{4}}(-[{ALPHABET}]{{4}})*(-[{ALPHABET}]{{1,3}})?")


def _to_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# Aware on the way in (a naive time is refused), UTC inside; people see Asia/Shanghai.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Fact(_Frozen):
    """One line of what the document states, labelled in both languages."""

    key: str = Field(min_length=1)
    label_zh: str
    label_en: str
    value: str
    # The value in English where it is a word that translates (本科 -> Undergraduate);
    # None where the value reads the same in both languages (names, numbers, dates).
    value_en: str | None = None


class Issuer(_Frozen):
    """The institution that issued the record, as the institution registry knows it now."""

    institution_id: str
    name_zh: str
    name_en: str
    registry_status: RegistryStatus
    successor_name_zh: str | None = None
    successor_name_en: str | None = None


class VerificationAnswer(_Frozen):
    """What a verifier learns from a code: the state, and for a known code what it vouches for.

    `photo` (JPEG or PNG bytes) is never serialised: the HTML page shows it inline, the JSON
    and bulk channels carry the text facts only."""

    state: VerificationState
    code: str
    document_type: str | None = None
    title_zh: str | None = None
    title_en: str | None = None
    facts: list[Fact] = Field(default_factory=list)
    photo: bytes | None = Field(default=None, exclude=True, repr=False)
    issuer: Issuer | None = None
    valid_from: UtcDatetime | None = None
    valid_until: UtcDatetime | None = None
    state_since: UtcDatetime | None = None
    reason_zh: str | None = None
    reason_en: str | None = None
    checked_at: UtcDatetime

    @classmethod
    def unknown(cls, code: str, checked_at: datetime) -> Self:
        """Return the answer for a well-formed code that names no document."""
        return cls(state="unknown", code=code, checked_at=checked_at)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        # Empty only when what was asked was not a code at all (an unknown answer).
        if not _DISPLAY_CODE.fullmatch(self.code) and (self.code or self.state != "unknown"):
            raise ValueError("code must be in display form (groups of 4 joined by '-')")
        if self.state == "unknown":
            # An unknown code says nothing about any document, not even a stale one.
            carried = self.model_dump(
                exclude={"state", "code", "checked_at"}, exclude_defaults=True
            )
            if carried or self.photo is not None:
                raise ValueError(f"an unknown answer carries only code and checked_at: {carried}")
            return self
        if not (self.document_type and self.title_zh and self.title_en):
            raise ValueError("a known document has a document_type and titles in both languages")
        keys = [fact.key for fact in self.facts]
        if len(keys) != len(set(keys)):
            raise ValueError("fact keys are unique")
        if self.state in ("closed", "revoked", "expired") and self.state_since is None:
            raise ValueError(f"a {self.state} answer says since when (state_since)")
        if self.state == "not_yet_valid" and self.valid_from is None:
            raise ValueError("a not-yet-valid answer says from when (valid_from)")
        return self
