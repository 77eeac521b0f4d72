"""What each step of a draft holds: one pydantic model per step, validated when the step is
saved and again, all together, when the application is submitted.

Names are taken as printed on the documents (passport, degree certificate); the checks in
certification.checks compare them. Dates are calendar dates (no time of day).
"""

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
# ISO 3166-1 alpha-2, upper case (CN, GB, US, HK, MO, TW ...).
Country = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{2}$")
]
Level = Literal["associate", "bachelor", "master", "doctor"]


class StepModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FaceStep(StepModel):
    """Step 1 of a foreign degree: the real-person check done in the government app
    (identity's face verification, which also yields the entry-exit records), or "skip",
    after which the passport's entry-exit pages become a required material."""

    mode: Literal["face", "skip"]


class ApplicantStep(StepModel):
    """Step 2: the applicant as the passport names them."""

    passport_surname: Name
    passport_given_names: Name
    # The Chinese name for Chinese nationals (checked against the account's real name).
    name_zh: Name | None = None
    gender: Literal["male", "female"]
    birth_date: date
    nationality: Country
    passport_number: Annotated[
        str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z0-9]{5,20}$")
    ]
    # Earlier names, as printed on documents issued before a change of name.
    former_names: list[Name] = Field(default_factory=list, max_length=5)


class TypeStep(StepModel):
    """Step 3: what is to be certified and how it was studied."""

    scope: Literal["degree", "qualification"]
    study_mode: Literal["on_site", "joint_programme", "distance"]


class DegreeStep(StepModel):
    """Step 4: the one degree or qualification this application certifies (exactly one)."""

    country: Country
    institution_name: ShortText
    institution_name_en: ShortText | None = None
    title: ShortText
    level: Level
    major: ShortText
    awarded_on: date
    # The holder's name as printed on the certificate.
    name_on_certificate: Name
    certificate_number: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = ""


class StudyPeriod(StepModel):
    institution_name: ShortText
    country: Country
    programme: ShortText
    start: date
    end: date
    # Studied where the institution is (not online from elsewhere).
    on_site: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> "StudyPeriod":
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class StudyStep(StepModel):
    """Step 5: the study history that led to the degree, oldest first."""

    periods: list[StudyPeriod] = Field(min_length=1, max_length=10)


class Courier(StepModel):
    recipient: Name
    phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 -]{6,20}$")]
    address: LongText
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]


class PurposeStep(StepModel):
    """Domestic certification, step 1: what the report is for and where it goes."""

    purpose: Literal["employment", "further_study", "study_abroad", "other"]
    accepting_institution: ShortText
    # A paper report in Chinese or English sent by courier, or the e-report only.
    report_type: Literal["paper_zh", "paper_en", "e_report"]
    courier: Courier | None = None

    @model_validator(mode="after")
    def _courier_for_paper(self) -> "PurposeStep":
        if self.report_type != "e_report" and self.courier is None:
            raise ValueError("a paper report needs courier details")
        if self.report_type == "e_report" and self.courier is not None:
            raise ValueError("an e-report is not sent by courier")
        return self

    @property
    def paper(self) -> bool:
        return self.report_type != "e_report"


class QualificationStep(StepModel):
    """Domestic certification: the qualification the records service cannot show (awarded
    1991-2001, or never e-registered)."""

    institution_name: ShortText
    institution_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{10}$")] | None = None
    level: Level
    major: ShortText
    study_start: date
    study_end: date
    graduated_on: date
    certificate_number: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)
    ]
    name_on_certificate: Name

    @model_validator(mode="after")
    def _ordered(self) -> "QualificationStep":
        if self.study_end <= self.study_start:
            raise ValueError("study_end must be after study_start")
        return self


class DomesticApplicantStep(StepModel):
    """Domestic certification: the applicant as the account and the certificate name them."""

    name_zh: Name
    gender: Literal["male", "female"]
    birth_date: date
    former_names: list[Name] = Field(default_factory=list, max_length=5)


class GroundsStep(StepModel):
    """Reconsideration: why the earlier result should change."""

    statement: LongText
    points: list[ShortText] = Field(min_length=1, max_length=10)


STEP_MODELS: dict[str, type[StepModel]] = {
    "face": FaceStep,
    "applicant": ApplicantStep,
    "type": TypeStep,
    "degree": DegreeStep,
    "study": StudyStep,
    "purpose": PurposeStep,
    "domestic_applicant": DomesticApplicantStep,
    "qualification": QualificationStep,
    "grounds": GroundsStep,
}
