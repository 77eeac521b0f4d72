"""Request and response models of reported records (the institution's side)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from educert_common.idnumbers import IdType
from records.academic.rules import (
    DISCIPLINES,
    Conclusion,
    DegreeLevel,
    EducationType,
    EnrollmentStatus,
    Gender,
    Level,
    RecordKind,
    StudyForm,
)

Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)]


class PersonFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Short = Field(description="As on the ID document: Chinese characters, or Latin letters")
    gender: Gender
    birth_date: date
    id_type: IdType = IdType.RESIDENT_ID
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=30)]
    reason: Reason | None = Field(
        default=None, description="Why this is reported or changed (kept with the version)"
    )


class StudentStatusReport(PersonFields):
    ethnicity: Annotated[str, StringConstraints(max_length=20)] | None = None
    major: Short
    level: Level
    study_form: StudyForm | None = None
    education_type: EducationType | None = None
    enrollment_date: date = Field(description="1991-01-01 or later")
    study_years: Decimal = Field(ge=1, le=8, max_digits=3, decimal_places=1)
    status: EnrollmentStatus
    status_date: date | None = Field(default=None, description="When the status took effect")


class QualificationReport(PersonFields):
    certificate_number: Annotated[str, StringConstraints(min_length=4, max_length=40)] = Field(
        description="The e-registration number (18 digits, since 2001) or, for 1991-2000, the "
        "institution's own number"
    )
    serial_number: Annotated[str, StringConstraints(max_length=20)] | None = Field(
        default=None, description="The old certificates' serial, e.g. NO.00298959"
    )
    major: Short
    level: Level
    study_form: StudyForm | None = None
    education_type: EducationType | None = None
    enrollment_date: date | None = None
    graduation_date: date = Field(description="1991-01-01 or later")
    conclusion: Conclusion
    principal_name: Annotated[str, StringConstraints(max_length=50)] | None = None


class DegreeReport(PersonFields):
    certificate_number: Annotated[str, StringConstraints(min_length=4, max_length=40)]
    degree_level: DegreeLevel
    discipline: str = Field(
        description="The discipline category (学科门类)", json_schema_extra={"enum": DISCIPLINES}
    )
    major: Short
    awarding_institution_id: (
        Annotated[str, StringConstraints(pattern=r"^\d{10}$", min_length=10, max_length=10)] | None
    ) = Field(default=None, description="Defaults to the reporting institution")
    conferred_date: date = Field(description="1991-01-01 or later")


REPORT_MODELS: dict[RecordKind, type[PersonFields]] = {
    RecordKind.STUDENT_STATUS: StudentStatusReport,
    RecordKind.QUALIFICATION: QualificationReport,
    RecordKind.DEGREE: DegreeReport,
}


class RecordBase(BaseModel):
    """What the institution and the student see of a record (the ID number masked)."""

    id: uuid.UUID
    kind: RecordKind
    institution_id: str
    student_number: str
    name: str
    gender: Gender
    birth_date: date
    id_type: IdType
    id_number_masked: str
    has_photo: bool
    bound: bool
    version: int
    updated_at: datetime


class StudentStatusOut(RecordBase):
    ethnicity: str | None
    major: str
    level: Level
    study_form: StudyForm | None
    education_type: EducationType | None
    enrollment_date: date
    study_years: Decimal
    status: EnrollmentStatus
    status_date: date | None


class QualificationOut(RecordBase):
    certificate_number: str
    serial_number: str | None
    major: str
    level: Level
    study_form: StudyForm | None
    education_type: EducationType | None
    enrollment_date: date | None
    graduation_date: date
    conclusion: Conclusion
    principal_name: str | None


class DegreeOut(RecordBase):
    certificate_number: str
    degree_level: DegreeLevel
    discipline: str
    major: str
    awarding_institution_id: str
    conferred_date: date


OUT_MODELS: dict[RecordKind, type[RecordBase]] = {
    RecordKind.STUDENT_STATUS: StudentStatusOut,
    RecordKind.QUALIFICATION: QualificationOut,
    RecordKind.DEGREE: DegreeOut,
}


RecordT = TypeVar("RecordT", bound=RecordBase)


class ReportOutcome(BaseModel, Generic[RecordT]):
    """The record after a report, and whether the report changed anything."""

    changed: bool = Field(description="False when the same facts were reported again")
    record: RecordT


class VersionOut(BaseModel):
    """One version of a record: the facts then (ID number masked), who changed it and why."""

    version: int
    facts: dict[str, Any]
    changed_by: str
    reason: str | None
    source: str
    created_at: datetime


class StatusChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: EnrollmentStatus
    effective_on: date
    version: int
    recorded_at: datetime
