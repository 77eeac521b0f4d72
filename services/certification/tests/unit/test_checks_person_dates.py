"""Gender and birth date against the verified account; study, award and graduation dates
within their bounds on an injected today."""

from datetime import date
from typing import Any

import pytest

from certification.checks.model import add_years


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, set()),
        ({"gender": "female"}, {("gender_differs", "blocking", "steps.applicant.gender")}),
        (
            {"birth_date": "1996-05-18"},
            {("birth_date_differs", "blocking", "steps.applicant.birth_date")},
        ),
    ],
)
def test_the_applicant_is_the_account_holder(
    run: Any, foreign: Any, summary: Any, changes: dict, expected: set
) -> None:
    assert summary(run(foreign(applicant=changes))) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, set()),
        ({"gender": "female"}, {("gender_differs", "blocking", "steps.domestic_applicant.gender")}),
        (
            {"birth_date": "1977-03-02"},
            {("birth_date_differs", "blocking", "steps.domestic_applicant.birth_date")},
        ),
    ],
)
def test_the_domestic_applicant_is_the_account_holder(
    run: Any, domestic: Any, summary: Any, changes: dict, expected: set
) -> None:
    found = run(domestic(domestic_applicant=changes), kind="domestic_qualification")
    assert summary(found) == expected


def test_a_difference_shows_both_values(run: Any, foreign: Any) -> None:
    [finding] = run(foreign(applicant={"birth_date": "1997-01-01"}))
    assert finding.details == {"account": "1996-05-17", "given": "1997-01-01"}


def _study(start: str, end: str, **more: Any) -> dict:
    period = {
        "institution_name": "University of Edinburgh",
        "country": "GB",
        "programme": "MSc Data Science",
        "start": start,
        "end": end,
    }
    return {"periods": [{**period, **more}]}


P0 = "steps.study.periods.0"
AWARD = "steps.degree.awarded_on"


@pytest.mark.parametrize(
    ("study", "awarded_on", "expected"),
    [
        (("2021-09-10", "2023-08-31"), "2023-11-20", set()),
        # Starting at 14 exactly is fine, the day before is not (born 1996-05-17).
        (("2010-05-17", "2023-08-31"), "2023-11-20", set()),
        (
            ("2010-05-16", "2023-08-31"),
            "2023-11-20",
            {("study_before_age_14", "blocking", f"{P0}.start")},
        ),
        # The study must have ended by today (2026-12-02), as must the award.
        (("2024-09-01", "2026-12-02"), "2026-12-02", set()),
        (
            ("2024-09-01", "2026-12-03"),
            "2026-12-02",
            {("study_not_ended", "blocking", f"{P0}.end")},
        ),
        (("2021-09-10", "2023-08-31"), "2026-12-03", {("award_in_future", "blocking", AWARD)}),
        (("2021-09-10", "2023-08-31"), "2021-09-09", {("award_before_study", "blocking", AWARD)}),
        # Two years after the end is normal; later is asked about.
        (("2021-09-10", "2023-08-31"), "2025-08-30", set()),
        (
            ("2021-09-10", "2023-08-31"),
            "2025-09-01",
            {("award_long_after_study", "warning", AWARD)},
        ),
    ],
)
def test_study_and_award_dates_are_within_bounds(
    run: Any, foreign: Any, summary: Any, study: tuple, awarded_on: str, expected: set
) -> None:
    steps = foreign(study=_study(*study), degree={"awarded_on": awarded_on})
    assert summary(run(steps)) == expected


def test_today_is_the_callers(run: Any, foreign: Any, summary: Any) -> None:
    steps = foreign(degree={"awarded_on": "2023-11-20"})
    assert summary(run(steps, today=date(2023, 11, 19))) == {("award_in_future", "blocking", AWARD)}
    assert summary(run(steps, today=date(2023, 11, 20))) == set()


def test_the_account_birth_date_bounds_the_study(run: Any, foreign: Any, summary: Any) -> None:
    # The verified birth date counts, not a mistyped one in the step.
    steps = foreign(
        applicant={"birth_date": "1980-01-01"}, study=_study("2008-09-01", "2012-07-01")
    )
    steps["degree"]["awarded_on"] = "2012-07-01"
    found = summary(run(steps))
    assert ("study_before_age_14", "blocking", f"{P0}.start") in found
    assert ("birth_date_differs", "blocking", "steps.applicant.birth_date") in found


QUAL = "steps.qualification"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, set()),
        (
            {"study_start": "1990-03-01"},
            {("study_before_age_14", "blocking", f"{QUAL}.study_start")},
        ),
        (
            {"graduated_on": "1994-08-31"},
            {("graduation_before_study", "blocking", f"{QUAL}.graduated_on")},
        ),
    ],
)
def test_qualification_dates_are_within_bounds(
    run: Any, domestic: Any, summary: Any, changes: dict, expected: set
) -> None:
    found = run(domestic(qualification=changes), kind="domestic_qualification")
    assert summary(found) == expected


def test_future_qualification_dates_block(run: Any, domestic: Any, summary: Any) -> None:
    steps = domestic(qualification={"study_start": "1994-09-01", "study_end": "1998-07-01"})
    found = summary(run(steps, kind="domestic_qualification", today=date(1998, 6, 30)))
    assert found == {
        ("study_not_ended", "blocking", f"{QUAL}.study_end"),
        ("graduation_in_future", "blocking", f"{QUAL}.graduated_on"),
    }


def test_add_years_keeps_29_february_in_bounds() -> None:
    assert add_years(date(2000, 2, 29), 14) == date(2014, 2, 28)
    assert add_years(date(2000, 3, 1), 14) == date(2014, 3, 1)
