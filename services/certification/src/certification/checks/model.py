"""What a check reports, and what every check reads: the draft's steps parsed into their
models (None when a step is not saved or does not validate yet), the verified account, the
entry-exit records and the day the checks run for."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from certification.applications.steps import (
    ApplicantStep,
    DegreeStep,
    DomesticApplicantStep,
    FaceStep,
    QualificationStep,
    StepModel,
    StudyStep,
    TypeStep,
)
from certification.kinds import ApplicationKindSpec

Severity = Literal["warning", "blocking"]


class Finding(BaseModel):
    """One problem the documents will show a reviewer; `blocking` ones refuse the submit."""

    code: str
    severity: Severity
    # Dotted path of what to correct, as the steps are addressed: steps.degree.awarded_on.
    field: str
    message_en: str
    message_zh: str
    details: dict[str, Any] = {}


def blocking(code: str, field: str, en: str, zh: str, **details: Any) -> Finding:
    return Finding(
        code=code, severity="blocking", field=field, message_en=en, message_zh=zh, details=details
    )


def warning(code: str, field: str, en: str, zh: str, **details: Any) -> Finding:
    return Finding(
        code=code, severity="warning", field=field, message_en=en, message_zh=zh, details=details
    )


class AccountFacts(Protocol):
    """The verified account (certification.accounts.models.VerifiedAccount)."""

    real_name: str
    gender: str
    birth_date: date


Step = TypeVar("Step", bound=StepModel)


def _parsed(steps: Mapping[str, Any], name: str, model: type[Step]) -> Step | None:
    # A step not saved yet, or saved before a model change, is simply not checked: the
    # submit validates every step itself and names the field.
    data = steps.get(name)
    if not isinstance(data, Mapping):
        return None
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


@dataclass(frozen=True)
class Draft:
    spec: ApplicationKindSpec
    account: AccountFacts | None
    today: date
    # None: the face step was skipped (or not done): the passport pages are a material.
    records: Sequence[Mapping[str, Any]] | None
    face: FaceStep | None = None
    applicant: ApplicantStep | None = None
    type: TypeStep | None = None
    degree: DegreeStep | None = None
    study: StudyStep | None = None
    domestic_applicant: DomesticApplicantStep | None = None
    qualification: QualificationStep | None = None

    @classmethod
    def of(
        cls,
        spec: ApplicationKindSpec,
        steps: Mapping[str, Any],
        *,
        account: AccountFacts | None,
        today: date,
        records: Sequence[Mapping[str, Any]] | None,
    ) -> "Draft":
        return cls(
            spec=spec,
            account=account,
            today=today,
            records=records,
            face=_parsed(steps, "face", FaceStep),
            applicant=_parsed(steps, "applicant", ApplicantStep),
            type=_parsed(steps, "type", TypeStep),
            degree=_parsed(steps, "degree", DegreeStep),
            study=_parsed(steps, "study", StudyStep),
            domestic_applicant=_parsed(steps, "domestic_applicant", DomesticApplicantStep),
            qualification=_parsed(steps, "qualification", QualificationStep),
        )

    @property
    def foreign(self) -> bool:
        return self.spec.name in ("foreign_degree", "hmt_degree")

    @property
    def birth_date(self) -> date | None:
        # The account's date is the verified one; the step's is what the passport says.
        if self.account is not None:
            return self.account.birth_date
        person = self.applicant or self.domestic_applicant
        return person.birth_date if person else None


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)
