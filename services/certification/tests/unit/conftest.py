"""Building drafts for the pre-submission checks (pure functions: no stack, no database).

`foreign(applicant={...}, ...)` is the consistent draft of certification.testing.foreign_steps
(张伟 / ZHANG WEI, a 2021-2023 Edinburgh master's) with the given fields changed;
`domestic(...)` the same for a 1998 domestic qualification; `run(steps, ...)` runs the
checks as the applications service does, on a fixed today."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from certification.checks import Finding, run_checks
from certification.kinds import kind_spec
from certification.testing import foreign_steps

TODAY = date(2026, 12, 2)


@dataclass(frozen=True)
class Account:
    real_name: str = "张伟"
    gender: str = "male"
    birth_date: date = date(1996, 5, 17)


# The domestic applicant graduated in 1998.
DOMESTIC_ACCOUNT = Account(birth_date=date(1976, 3, 2))


def _merged(base: dict[str, dict[str, Any]], changes: Mapping[str, Any]) -> dict[str, Any]:
    steps = {step: dict(data) for step, data in base.items()}
    for step, fields in changes.items():
        if fields is None:
            steps.pop(step, None)
        else:
            steps[step] = {**steps.get(step, {}), **fields}
    return steps


def domestic_steps() -> dict[str, dict[str, Any]]:
    return {
        "purpose": {
            "purpose": "employment",
            "accepting_institution": "某某科技有限公司",
            "report_type": "e_report",
        },
        "domestic_applicant": {"name_zh": "张伟", "gender": "male", "birth_date": "1976-03-02"},
        "qualification": {
            "institution_name": "北京大学",
            "level": "bachelor",
            "major": "物理学",
            "study_start": "1994-09-01",
            "study_end": "1998-07-01",
            "graduated_on": "1998-07-01",
            "certificate_number": "100011998000123",
            "name_on_certificate": "张伟",
        },
    }


Run = Callable[..., list[Finding]]


@pytest.fixture
def foreign() -> Callable[..., dict[str, Any]]:
    return lambda **changes: _merged(foreign_steps(), changes)


@pytest.fixture
def domestic() -> Callable[..., dict[str, Any]]:
    return lambda **changes: _merged(domestic_steps(), changes)


@pytest.fixture
def run() -> Run:
    def checks(
        steps: Mapping[str, Any],
        *,
        kind: str = "foreign_degree",
        account: Account | str | None = "default",
        records: Sequence[Mapping[str, Any]] | None = None,
        today: date = TODAY,
    ) -> list[Finding]:
        if account == "default":
            account = DOMESTIC_ACCOUNT if kind == "domestic_qualification" else Account()
        assert not isinstance(account, str)
        return run_checks(
            kind_spec(kind), steps, account=account, entry_exit_records=records, today=today
        )

    return checks


def codes(found: list[Finding]) -> set[tuple[str, str, str]]:
    """(code, severity, field) of each finding: what the tables compare."""
    return {(finding.code, finding.severity, finding.field) for finding in found}


@pytest.fixture
def summary() -> Callable[[list[Finding]], set[tuple[str, str, str]]]:
    return codes
