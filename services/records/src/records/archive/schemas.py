"""Response models of the student's archive (学信档案) and of operators' support view."""

import datetime as dt
import uuid
from typing import Any, Generic

from pydantic import BaseModel, Field

from records.academic.rules import RecordKind
from records.academic.schemas import RecordT, StatusChangeOut
from records.institutions.rules import InstitutionStatus


class InstitutionName(BaseModel):
    id: str
    name_zh: str
    name_en: str


class InstitutionRef(InstitutionName):
    """The institution that issued the record (its names now) and, if it merged, the one that
    took it over: the record keeps the issuing institution."""

    status: InstitutionStatus
    successor: InstitutionName | None = Field(
        default=None, description="For a merged institution, the one it merged into"
    )


class ArchiveEntry(BaseModel):
    """One record in the student's archive, with what a list shows of it."""

    kind: RecordKind
    id: uuid.UUID
    institution: InstitutionRef
    student_number: str
    major: str
    level: str = Field(description="The level (student status, qualification) or degree level")
    date: dt.date = Field(
        description="Enrollment (student status), graduation (qualification) or conferral"
    )
    status: str | None = Field(
        description="Enrollment status (student status) or conclusion (qualification)"
    )
    bound_via: str | None
    bound_at: dt.datetime | None


class ArchiveVersion(BaseModel):
    """A version of the record as the student sees it: the facts then and why they changed."""

    version: int
    facts: dict[str, Any]
    reason: str | None
    source: str
    created_at: dt.datetime


class ArchiveDetail(BaseModel, Generic[RecordT]):
    """One record of the archive: the facts (ID number masked), the institution, the version
    history and, for student status, the dated status changes."""

    record: RecordT
    institution: InstitutionRef
    bound_via: str | None
    bound_at: dt.datetime | None
    versions: list[ArchiveVersion]
    status_changes: list[StatusChangeOut]


class SupportDetail(ArchiveDetail[RecordT], Generic[RecordT]):
    """What an operator sees for support: the student's view plus the owning account."""

    owner_id: uuid.UUID | None
