"""Chinese working days from the official schedule, and the loud failure when the installed
chinese-calendar no longer covers the days we estimate over."""

from datetime import date

import pytest

from certification.estimates import calendar
from certification.estimates.calendar import (
    CalendarExhausted,
    add_working_days,
    is_working_day,
    working_days_between,
)
from certification.estimates.service import local_date
from certification.kinds import KINDS
from educert_common.db import utcnow

# The furthest date promised the day an application is submitted: the longest SLA of any
# kind (its due day). Estimates further out show no date when the data ends (visibly).
HORIZON_WORKING_DAYS = max(spec.nominal_review_days for spec in KINDS.values())


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


def test_the_installed_calendar_covers_the_horizon_we_estimate_over() -> None:
    """FAILS when the combined calendar (chinese-calendar, then official_schedules.toml) ends
    within HORIZON_WORKING_DAYS of today (the real date): upgrade chinese-calendar or add the
    year from the State Council's notice, or estimates past the data show no date."""
    today = local_date(utcnow())
    try:
        add_working_days(today, HORIZON_WORKING_DAYS)
    except CalendarExhausted as exhausted:
        pytest.fail(
            f"The Chinese holiday calendar runs out within {HORIZON_WORKING_DAYS} working days "
            f"of {today}: {exhausted}. Until then estimates reaching "
            f"{exhausted.day.year} show no date (basis.calendar_exhausted). Upgrade "
            "chinese-calendar if a release covers that year, OR add the year from the State "
            "Council's notice (国务院办公厅关于部分节假日安排的通知) to "
            "certification/estimates/official_schedules.toml (how: the comment at its top).",
            pytrace=False,
        )
