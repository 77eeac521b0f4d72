"""The study history against the degree: a period at the awarding institution, no overlaps,
enough study for the level."""

from typing import Any

import pytest

from certification.checks.text import institution_key

PERIODS = "steps.study.periods"


def _period(
    start: str, end: str, institution: str = "University of Edinburgh", **more: Any
) -> dict:
    return {
        "institution_name": institution,
        "country": "GB",
        "programme": "Programme",
        "start": start,
        "end": end,
        **more,
    }


@pytest.mark.parametrize(
    ("printed", "other"),
    [
        ("The University of Edinburgh", "university of  edinburgh"),
        ("University-of-Edinburgh", "UNIVERSITY OF EDINBURGH"),
        ("Texas A&M University", "Texas A and M University"),
        ("Ｋｙｏｔｏ University", "kyoto university"),  # full-width letters
    ],
)
def test_institution_names_compare_normalised(printed: str, other: str) -> None:
    assert institution_key(printed) == institution_key(other)


def test_different_institutions_stay_different() -> None:
    assert institution_key("University of Edinburgh") != institution_key(
        "Edinburgh Napier University"
    )


@pytest.mark.parametrize(
    ("degree", "periods", "expected"),
    [
        ({}, [_period("2021-09-10", "2023-08-31", "the university of edinburgh")], set()),
        # The English name of the degree step matches too.
        (
            {"institution_name": "爱丁堡大学", "institution_name_en": "University of Edinburgh"},
            [_period("2021-09-10", "2023-08-31")],
            set(),
        ),
        (
            {},
            [_period("2021-09-10", "2023-08-31", "Edinburgh Napier University")],
            {("no_period_at_awarding_institution", "warning", PERIODS)},
        ),
    ],
)
def test_a_period_is_at_the_awarding_institution(
    run: Any, foreign: Any, summary: Any, degree: dict, periods: list, expected: set
) -> None:
    assert summary(run(foreign(degree=degree, study={"periods": periods}))) == expected


@pytest.mark.parametrize(
    ("periods", "expected"),
    [
        (
            [
                _period("2017-09-01", "2021-06-30", "Fudan University", country="CN"),
                _period("2021-09-10", "2023-08-31"),
            ],
            set(),
        ),
        # Back to back is no overlap.
        ([_period("2021-09-10", "2022-06-01"), _period("2022-06-01", "2023-08-31")], set()),
        (
            [_period("2021-09-10", "2022-09-30"), _period("2022-09-01", "2023-08-31")],
            {("study_periods_overlap", "warning", f"{PERIODS}.1.start")},
        ),
        # A long period overlapping two later ones is reported for both, whatever the order.
        (
            [
                _period("2022-01-01", "2022-06-30", "Exchange University"),
                _period("2021-09-10", "2023-08-31"),
                _period("2022-09-01", "2022-12-31", "Another Exchange"),
            ],
            {
                ("study_periods_overlap", "warning", f"{PERIODS}.0.start"),
                ("study_periods_overlap", "warning", f"{PERIODS}.2.start"),
            },
        ),
    ],
)
def test_study_periods_do_not_overlap(
    run: Any, foreign: Any, summary: Any, periods: list, expected: set
) -> None:
    assert summary(run(foreign(study={"periods": periods}))) == expected


def test_an_overlap_names_both_periods(run: Any, foreign: Any) -> None:
    periods = [_period("2021-09-10", "2022-09-30"), _period("2022-09-01", "2023-08-31")]
    [finding] = run(foreign(study={"periods": periods}))
    assert finding.details == {"periods": [0, 1], "days": 29}


SHORT = ("study_shorter_than_level", "warning", PERIODS)


@pytest.mark.parametrize(
    ("level", "start", "end", "expected"),
    [
        ("master", "2022-09-10", "2023-06-10", set()),  # 9 months: a one-year master's
        ("master", "2022-09-10", "2023-06-09", {SHORT}),
        ("bachelor", "2021-09-01", "2023-09-01", set()),
        ("bachelor", "2021-09-01", "2023-08-31", {SHORT}),
        ("doctor", "2021-09-01", "2023-08-31", {SHORT}),
        ("doctor", "2019-09-01", "2023-08-31", set()),
        ("associate", "2022-09-01", "2023-08-31", {SHORT}),
    ],
)
def test_study_is_long_enough_for_the_level(
    run: Any, foreign: Any, summary: Any, level: str, start: str, end: str, expected: set
) -> None:
    steps = foreign(
        degree={"level": level, "awarded_on": "2023-11-20"},
        study={"periods": [_period(start, end)]},
    )
    assert summary(run(steps)) == expected


def test_only_study_at_the_awarding_institution_counts(run: Any, foreign: Any) -> None:
    # Three years elsewhere do not make six months at the awarding institution a master's.
    periods = [
        _period("2018-09-01", "2021-06-30", "Fudan University", country="CN"),
        _period("2022-09-01", "2023-03-01"),
    ]
    [finding] = run(foreign(study={"periods": periods}))
    assert finding.code == "study_shorter_than_level"
    assert finding.details == {"level": "master", "months": 6, "minimum_months": 9}
