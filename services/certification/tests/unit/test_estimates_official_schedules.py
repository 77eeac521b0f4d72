"""Years after chinese-calendar's data from official_schedules.toml: used only when listed in
full and valid, the package still answering for its own years, nothing guessed past both.

The schedule here is SYNTHETIC (built for the first year the package lacks), injected from a
temporary file: the shipped file lists no year."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from certification.estimates import calendar
from certification.estimates.calendar import (
    Calendar,
    CalendarExhausted,
    ScheduleError,
    load_schedules,
    parse_schedules,
)

YEAR = calendar.INSTALLED.package_last.year + 1  # the first year the package does not know


def _weekdays(start: date, end: date) -> list[date]:
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return [day for day in days if day.weekday() < 5]


def _first(weekday: int, on_or_after: date) -> date:
    return on_or_after + timedelta(days=(weekday - on_or_after.weekday()) % 7)


# Synthetic, not any real notice: the fixed statutory days that are weekdays, plus every
# weekday from 1 to 21 October off; the Saturday after is an adjusted workday.
FIXED_OFF = [date(YEAR, 1, 1), date(YEAR, 5, 1), date(YEAR, 5, 2)]
HOLIDAYS = [d for d in FIXED_OFF if d.weekday() < 5] + _weekdays(
    date(YEAR, 10, 1), date(YEAR, 10, 21)
)
ADJUSTED_SATURDAY = _first(5, date(YEAR, 10, 22))
TITLE = f"国务院办公厅关于{YEAR}年部分节假日安排的通知"


def _toml(year: int = YEAR) -> str:
    holidays = ", ".join(day.isoformat() for day in HOLIDAYS)
    return (
        f"[{year}]\n"
        f'source_title = "{TITLE}"\n'
        'source_url = "https://www.gov.cn/zhengce/content/synthetic.htm"\n'
        f"holidays = [{holidays}]\n"
        f"workdays = [{ADJUSTED_SATURDAY.isoformat()}]\n"
    )


def _entry(**changes: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "source_title": TITLE,
        "source_url": "https://www.gov.cn/zhengce/content/synthetic.htm",
        "holidays": list(HOLIDAYS),
        "workdays": [ADJUSTED_SATURDAY],
    }
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


@pytest.fixture
def combined(tmp_path: Path) -> Calendar:
    schedules = tmp_path / "official_schedules.toml"
    schedules.write_text(_toml(), encoding="utf-8")
    return Calendar.installed(schedules_file=schedules)


def test_a_year_from_the_file_is_used_in_full(combined: Calendar) -> None:
    assert combined.official_years == (YEAR,)
    assert combined.last == date(YEAR, 12, 31)
    for day in HOLIDAYS:
        assert not combined.is_working_day(day), day
    assert ADJUSTED_SATURDAY.weekday() == 5 and combined.is_working_day(ADJUSTED_SATURDAY)
    assert not combined.is_working_day(ADJUSTED_SATURDAY + timedelta(days=1))  # its Sunday
    assert not combined.is_working_day(ADJUSTED_SATURDAY - timedelta(days=7))  # plain Saturday
    ordinary = _first(2, date(YEAR, 11, 1))  # a Wednesday the schedule leaves alone
    assert combined.is_working_day(ordinary)
    # Across the boundary: the package's last working days, then the file's year.
    last_package_day = calendar.INSTALLED.package_last
    assert combined.working_days_between(last_package_day, date(YEAR, 1, 31)) == len(
        [d for d in _weekdays(date(YEAR, 1, 1), date(YEAR, 1, 31)) if d not in HOLIDAYS]
    )
    # 1-21 October are all off: the first working day after 30 September is the first
    # weekday from the 22nd on (the adjusted Saturday never comes before it).
    after = combined.add_working_days(date(YEAR, 9, 30), 1)
    assert after == _weekdays(date(YEAR, 10, 22), date(YEAR, 10, 28))[0]
    assert combined.working_days_between(date(YEAR, 9, 30), date(YEAR, 10, 21)) == 0


def test_the_package_still_answers_for_its_years(combined: Calendar) -> None:
    # National Day 2026 from chinese-calendar: 1 October off, Saturday 10 October worked.
    assert not combined.is_working_day(date(2026, 10, 1))
    assert combined.is_working_day(date(2026, 10, 10))
    assert combined.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert combined.first == calendar.FIRST_COVERED


def test_beyond_the_file_the_calendar_is_exhausted(combined: Calendar) -> None:
    beyond = date(YEAR + 1, 1, 4)
    with pytest.raises(CalendarExhausted) as raised:
        combined.is_working_day(beyond)
    assert raised.value.day == beyond
    message = str(raised.value)
    assert "upgrade chinese-calendar" in message and "official_schedules.toml" in message
    assert f"official schedules [{YEAR}]" in message
    with pytest.raises(CalendarExhausted):
        combined.add_working_days(date(YEAR, 12, 31), 1)


def test_without_the_year_in_the_file_the_calendar_is_exhausted_there(tmp_path: Path) -> None:
    empty = tmp_path / "official_schedules.toml"
    empty.write_text("# no year published yet\n", encoding="utf-8")
    bare = Calendar.installed(schedules_file=empty)
    assert bare.official_years == () and bare.last == calendar.INSTALLED.package_last
    with pytest.raises(CalendarExhausted):
        bare.is_working_day(ADJUSTED_SATURDAY)


def test_the_shipped_file_is_valid_and_lists_only_published_years() -> None:
    # Loaded at import; whatever it lists follows the package's years without a gap.
    schedules = load_schedules(calendar.SCHEDULES_FILE, after=calendar.INSTALLED.package_last.year)
    assert tuple(sorted(schedules)) == calendar.OFFICIAL_YEARS
    for year, schedule in schedules.items():
        assert schedule.source_url.startswith("https://") and f"{year}年" in schedule.source_title


OUTSIDE = date(YEAR + 1, 1, 5)
WEEKDAY = _first(1, date(YEAR, 11, 1))
SUNDAY = _first(6, date(YEAR, 11, 1))


@pytest.mark.parametrize(
    ("entry", "refusal"),
    [
        (_entry(holidays=[*HOLIDAYS, OUTSIDE]), f"is not in {YEAR}"),
        (_entry(workdays=[ADJUSTED_SATURDAY, ADJUSTED_SATURDAY]), "listed twice"),
        (_entry(holidays=[*HOLIDAYS, HOLIDAYS[0]]), "listed twice"),
        (_entry(holidays=[*HOLIDAYS, WEEKDAY], workdays=[WEEKDAY]), "both a holiday and a workday"),
        (_entry(workdays=[WEEKDAY]), "is a weekday"),
        (_entry(holidays=[*HOLIDAYS, SUNDAY]), "is a weekend day"),
        (_entry(source_title=None), "missing ['source_title']"),
        (_entry(source_url=None), "missing ['source_url']"),
        (_entry(source_url="www.gov.cn/notice"), "https://"),
        (_entry(source_title="国务院办公厅关于部分节假日安排的通知"), "source_title"),
        (_entry(workdays=None), "partial"),
        (_entry(holidays=HOLIDAYS[:12]), "partial"),
        (
            _entry(
                holidays=[d for d in HOLIDAYS if d.month != 10]
                + _weekdays(date(YEAR, 10, 4), date(YEAR, 10, 31))
            ),
            "partial",
        ),
        (_entry(holidays=[d.isoformat() for d in HOLIDAYS]), "is not a date"),
        (_entry(extra=True), "unknown ['extra']"),
    ],
)
def test_invalid_or_partial_years_are_refused(entry: dict[str, object], refusal: str) -> None:
    with pytest.raises(ScheduleError) as raised:
        parse_schedules({str(YEAR): entry}, after=YEAR - 1)
    assert refusal in str(raised.value)


def test_years_the_package_covers_or_after_a_gap_are_refused() -> None:
    with pytest.raises(ScheduleError, match="covered by the installed chinese-calendar"):
        parse_schedules({str(YEAR): _entry()}, after=YEAR)
    with pytest.raises(ScheduleError, match=f"{YEAR - 1} is neither in chinese-calendar"):
        parse_schedules({str(YEAR): _entry()}, after=YEAR - 2)
    with pytest.raises(ScheduleError, match="is not a year"):
        parse_schedules({"next": _entry()}, after=YEAR - 1)


def test_a_broken_file_stops_the_import_loudly(tmp_path: Path) -> None:
    broken = tmp_path / "official_schedules.toml"
    broken.write_text(_toml().replace("workdays", "workday"), encoding="utf-8")
    with pytest.raises(ScheduleError, match=r"official_schedules\.toml: .* partial or misspelt"):
        Calendar.installed(schedules_file=broken)
    broken.write_text("[2027\n", encoding="utf-8")
    with pytest.raises(ScheduleError, match=r"official_schedules\.toml"):
        Calendar.installed(schedules_file=broken)
