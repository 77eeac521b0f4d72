"""Study mode and the domestic qualification's graduation year; the whole run: order,
default today, steps not saved yet, speed."""

import time
from datetime import date
from typing import Any

import pytest

from certification.checks import run_checks
from certification.kinds import kind_spec


@pytest.mark.parametrize(
    ("kind", "study_mode", "expected"),
    [
        ("foreign_degree", "on_site", set()),
        ("foreign_degree", "joint_programme", set()),
        ("foreign_degree", "distance", {("distance_learning", "warning", "steps.type.study_mode")}),
        ("hmt_degree", "distance", {("distance_learning", "warning", "steps.type.study_mode")}),
    ],
)
def test_distance_learning_is_flagged(
    run: Any, foreign: Any, summary: Any, kind: str, study_mode: str, expected: set
) -> None:
    steps = foreign(type={"scope": "degree", "study_mode": study_mode})
    assert summary(run(steps, kind=kind)) == expected


GRADUATED = "steps.qualification.graduated_on"


@pytest.mark.parametrize(
    ("graduated_on", "expected"),
    [
        ("1998-07-01", set()),
        ("2001-12-31", set()),
        ("2002-01-01", {("e_registration_available", "warning", GRADUATED)}),
        ("2015-07-01", {("e_registration_available", "warning", GRADUATED)}),
    ],
)
def test_e_registered_qualifications_are_pointed_to_the_report(
    run: Any, domestic: Any, summary: Any, graduated_on: str, expected: set
) -> None:
    steps = domestic(qualification={"graduated_on": graduated_on, "study_end": graduated_on})
    assert summary(run(steps, kind="domestic_qualification")) == expected


def test_blocking_findings_come_first(run: Any, foreign: Any) -> None:
    steps = foreign(
        type={"scope": "degree", "study_mode": "distance"},
        applicant={"gender": "female"},
    )
    assert [finding.severity for finding in run(steps)] == ["blocking", "warning"]


def test_steps_not_saved_or_invalid_are_not_checked(run: Any, foreign: Any) -> None:
    # Only what is saved is compared; the submit names missing and invalid steps itself.
    assert run({"face": {"mode": "skip"}}) == []
    assert run(foreign(degree=None, study=None)) == []
    assert run(foreign(applicant={"birth_date": "not a date"})) == []
    assert run(foreign(), account=None) == []


def test_today_defaults_to_the_wall_clock(foreign: Any) -> None:
    # A degree awarded next year is in the future whatever day the test runs.
    next_year = date.today().year + 1
    steps = foreign(
        study={
            "periods": [
                {
                    "institution_name": "University of Edinburgh",
                    "country": "GB",
                    "programme": "MSc",
                    "start": "2021-09-10",
                    "end": "2023-08-31",
                }
            ]
        },
        degree={"awarded_on": f"{next_year}-06-30"},
    )
    found = run_checks(kind_spec("foreign_degree"), steps, account=None, entry_exit_records=None)
    assert [finding.code for finding in found] == ["award_in_future"]


def test_a_reconsideration_has_nothing_to_compare(run: Any) -> None:
    grounds = {"grounds": {"statement": "The transcript was misread", "points": ["credits"]}}
    assert run(grounds, kind="reconsideration") == []


def test_the_checks_are_fast(run: Any, foreign: Any) -> None:
    steps = foreign(
        applicant={"former_names": ["LI NA", "WANG WEI"]},
        degree={"name_on_certificate": "Wang Wei"},
    )
    records = [
        {"direction": d, "date": f"{2000 + i // 2}-0{1 + i % 2}-01"}
        for i, d in enumerate(["exit", "entry"] * 100)
    ]
    run(steps, records=records)  # warm the pinyin table
    started = time.perf_counter()
    for _ in range(200):
        run(steps, records=records)
    per_run = (time.perf_counter() - started) / 200
    assert per_run < 0.005, f"{per_run * 1000:.2f} ms per run"
