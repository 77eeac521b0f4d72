"""Entry-exit records against the on-site study periods: intervals abroad, coverage and the
largest stretch in China, and the findings they lead to."""

from datetime import date
from typing import Any

import pytest

from certification.checks.travel import abroad_intervals, coverage

P0 = "steps.study.periods.0"


def crossing(direction: str, day: str) -> dict[str, str]:
    return {"direction": direction, "date": day, "port": "Shanghai Pudong", "country": "GB"}


def test_intervals_run_from_an_exit_to_the_next_entry() -> None:
    records = [
        crossing("entry", "2022-12-20"),  # back in China for Christmas
        crossing("exit", "2022-01-05"),
        crossing("exit", "2021-09-01"),
        crossing("entry", "2023-01-10T08:30:00+08:00"),  # a time of day is ignored
        {"direction": "sideways", "date": "2022-05-01"},  # not a crossing: ignored
        {"direction": "exit", "date": "someday"},
    ]
    # Sorted by date: exit 2021-09-01, exit 2022-01-05 (a repeat), entry 2022-12-20, entry ...
    assert abroad_intervals(records) == [(date(2021, 9, 1), date(2022, 12, 20))]


def test_an_open_interval_at_either_end() -> None:
    # An entry first: abroad since before the records; a last exit: abroad since.
    records = [crossing("entry", "2022-07-01"), crossing("exit", "2022-08-30")]
    assert abroad_intervals(records) == [
        (date.min, date(2022, 7, 1)),
        (date(2022, 8, 30), date.max),
    ]
    assert abroad_intervals([]) == []


def test_coverage_counts_days_and_finds_the_largest_gap() -> None:
    intervals = [(date(2021, 9, 1), date(2021, 12, 20)), (date(2022, 1, 10), date(2022, 6, 1))]
    covered = coverage(date(2021, 9, 10), date(2022, 8, 31), intervals)
    assert covered == {
        "days": 356,
        "days_abroad": 101 + 142,
        "coverage_percent": 68.3,
        "largest_gap": {"from": "2022-06-01", "to": "2022-08-31", "days": 92},
    }
    assert (
        coverage(date(2021, 9, 10), date(2022, 8, 31), [(date.min, date.max)])["largest_gap"]
        is None
    )


def _records(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [
        crossing(direction, day)
        for pair in pairs
        for direction, day in zip(("exit", "entry"), pair, strict=True)
    ]


# The draft's period: 2021-09-10 .. 2023-08-31 (721 days).
@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (_records(("2021-09-01", "2023-09-10")), set()),
        # Home for the summer of 2022: 80% still abroad.
        (_records(("2021-09-01", "2022-06-30"), ("2022-09-01", "2023-09-10")), set()),
        # Home for a year: about 60% abroad.
        (
            _records(("2021-09-01", "2022-06-30"), ("2023-06-01", "2023-09-10")),
            {("study_partly_in_china", "warning", P0)},
        ),
        # A few weeks abroad in two years: most of the on-site study in China.
        (_records(("2021-09-01", "2021-12-01")), {("study_mostly_in_china", "blocking", P0)}),
        # Never left China during the period (the last crossing an entry before it).
        (_records(("2019-09-01", "2020-06-30")), {("study_mostly_in_china", "blocking", P0)}),
    ],
)
def test_on_site_study_is_covered_by_time_abroad(
    run: Any, foreign: Any, summary: Any, records: list, expected: set
) -> None:
    assert summary(run(foreign(face={"mode": "face"}), records=records)) == expected


def test_the_finding_gives_coverage_and_the_largest_gap(run: Any, foreign: Any) -> None:
    records = _records(("2021-09-01", "2021-12-01"))
    [finding] = run(foreign(face={"mode": "face"}), records=records)
    assert finding.details["days"] == 721 and finding.details["days_abroad"] == 82
    assert finding.details["coverage_percent"] == 11.4
    assert finding.details["largest_gap"] == {"from": "2021-12-01", "to": "2023-08-31", "days": 639}
    assert "11.4%" in finding.message_en and "11.4%" in finding.message_zh


def _period(**more: Any) -> dict:
    return {
        "institution_name": "University of Edinburgh",
        "country": "GB",
        "programme": "MSc",
        "start": "2021-09-10",
        "end": "2023-08-31",
        **more,
    }


@pytest.mark.parametrize(
    ("changes", "records"),
    [
        # The face step skipped: no records, no finding (the entry-exit pages are a material).
        ({}, None),
        # Online periods and periods in mainland China are not expected abroad.
        ({"study": {"periods": [_period(on_site=False)]}}, []),
        (
            {"study": {"periods": [_period(country="CN")]}},
            [crossing("exit", "2019-01-01"), crossing("entry", "2019-02-01")],
        ),
        ({"type": {"scope": "degree", "study_mode": "distance"}}, [crossing("exit", "2019-01-01")]),
    ],
)
def test_study_not_expected_abroad_is_not_measured(
    run: Any, foreign: Any, summary: Any, changes: dict, records: list | None
) -> None:
    found = summary(run(foreign(**changes), records=records))
    assert found - {("distance_learning", "warning", "steps.type.study_mode")} == set()


def test_a_face_check_without_any_crossing_warns(run: Any, foreign: Any, summary: Any) -> None:
    assert summary(run(foreign(face={"mode": "face"}), records=[])) == {
        ("no_entry_exit_records", "warning", "steps.face")
    }


def test_each_period_is_measured(run: Any, foreign: Any, summary: Any) -> None:
    periods = [
        _period(institution_name="Exchange University", start="2020-09-01", end="2021-06-30"),
        _period(),
    ]
    records = _records(("2021-09-01", "2023-09-10"))
    assert summary(run(foreign(study={"periods": periods}), records=records)) == {
        ("study_mostly_in_china", "blocking", "steps.study.periods.0")
    }
