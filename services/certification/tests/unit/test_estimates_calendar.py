"""Chinese working days from the official schedule, and how long its data lasts from a given
day (on injected dates: the real date never decides a test's outcome)."""

from datetime import date, timedelta

import pytest

from certification.estimates import calendar
from certification.estimates.calendar import (
    Calendar,
    CalendarExhausted,
    add_working_days,
    is_working_day,
    working_days_between,
)
from certification.estimates.coverage import (
    HORIZON_WORKING_DAYS,
    RUNNING_OUT_WITHIN_DAYS,
    calendar_coverage,
)


def test_holidays_and_adjusted_workdays_follow_the_official_schedule() -> None:
    # National Day 2026: 1-7 October off; Saturday 10 October is an adjusted workday.
    assert not is_working_day(date(2026, 10, 1))
    assert not is_working_day(date(2026, 10, 7))
    assert is_working_day(date(2026, 10, 10))
    assert not is_working_day(date(2026, 10, 11))  # an ordinary Sunday
    assert is_working_day(date(2026, 10, 8))


def test_adding_and_counting_skip_weekends_and_holidays() -> None:
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 10, 8), 2) == date(2026, 10, 10)
    assert add_working_days(date(2026, 10, 12), -1) == date(2026, 10, 10)
    assert add_working_days(date(2026, 10, 12), 0) == date(2026, 10, 12)
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert working_days_between(date(2026, 10, 10), date(2026, 9, 30)) == 0
    # Counting and adding agree.
    start = date(2026, 1, 5)
    assert working_days_between(start, add_working_days(start, 57)) == 57


def test_days_beyond_the_data_raise_instead_of_guessing() -> None:
    beyond = date(calendar.LAST_COVERED.year + 1, 3, 2)  # a Tuesday, or not: unknown
    with pytest.raises(CalendarExhausted) as raised:
        is_working_day(beyond)
    assert raised.value.day == beyond
    assert "upgrade chinese-calendar" in str(raised.value)
    assert "official_schedules.toml" in str(raised.value)
    with pytest.raises(CalendarExhausted):
        add_working_days(calendar.LAST_COVERED, 1)


def test_far_from_the_end_of_the_data_all_is_well() -> None:
    today = calendar.LAST_COVERED - timedelta(days=200)
    coverage = calendar_coverage(today)
    assert coverage.state == "ok"
    assert coverage.warning() is None
    assert coverage.covered_until == calendar.LAST_COVERED
    assert coverage.days_left == 200
    assert coverage.horizon_working_days == HORIZON_WORKING_DAYS == 20
    horizon_end = add_working_days(today, HORIZON_WORKING_DAYS)
    assert coverage.margin_working_days == working_days_between(horizon_end, calendar.LAST_COVERED)
    assert coverage.margin_working_days is not None and coverage.margin_working_days > 100


def test_within_sixty_days_of_the_end_the_data_is_running_out() -> None:
    today = calendar.LAST_COVERED - timedelta(days=RUNNING_OUT_WITHIN_DAYS)
    coverage = calendar_coverage(today)
    assert coverage.state == "running_out"
    assert coverage.margin_working_days is not None and coverage.margin_working_days > 0
    warning = coverage.warning()
    assert warning is not None
    assert f"ends on {calendar.LAST_COVERED.isoformat()}" in warning
    assert f"{RUNNING_OUT_WITHIN_DAYS} days left" in warning
    assert "upgrade chinese-calendar" in warning.lower()
    assert "official_schedules.toml" in warning
    # The day before, it was still ok.
    assert calendar_coverage(today - timedelta(days=1)).state == "ok"


def test_once_the_longest_sla_runs_past_the_data_it_is_exhausted() -> None:
    # The last working day of the data, then the last day the horizon still fits in: the
    # day before the first of the horizon's working days that end there.
    last_working = calendar.LAST_COVERED
    while not is_working_day(last_working):
        last_working -= timedelta(days=1)
    first_of_horizon = add_working_days(last_working, -(HORIZON_WORKING_DAYS - 1))
    last_fitting = first_of_horizon - timedelta(days=1)
    fitting = calendar_coverage(last_fitting)
    assert fitting.state == "running_out"
    assert fitting.margin_working_days == 0

    coverage = calendar_coverage(first_of_horizon)
    assert coverage.state == "exhausted"
    assert coverage.margin_working_days is None
    warning = coverage.warning()
    assert warning is not None
    assert "estimates for new applications show no date" in warning
    assert "official_schedules.toml" in warning
    # Past the data altogether: still a state, never an exception.
    after = calendar_coverage(calendar.LAST_COVERED + timedelta(days=3))
    assert (after.state, after.days_left) == ("exhausted", -3)


def test_the_coverage_counts_on_the_calendar_it_is_given() -> None:
    # A calendar whose data ends on 31 December 2030, all weekdays working days.
    synthetic = Calendar([date(2030, 1, 1)], [date(2030, 1, 5)], version="test")
    assert calendar_coverage(date(2030, 6, 3), holidays=synthetic).state == "ok"
    assert calendar_coverage(date(2030, 11, 1), holidays=synthetic).state == "running_out"
    exhausted = calendar_coverage(date(2030, 12, 10), holidays=synthetic)
    assert exhausted.state == "exhausted"
    assert "chinese-calendar test" in (exhausted.warning() or "")
