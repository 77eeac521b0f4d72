"""Chinese working days: the State Council's holidays and its adjusted (swapped) workdays,
from the `chinese-calendar` package and, for the years after its data, from the official
schedules maintainers copy into `official_schedules.toml`.

The package carries the official schedule only up to the year it was released (the next
year's schedule is published each November, often before a release). A year is known either
from the package or, wholly, from the file (validated at import; a partial year is refused).
Past both nothing is known, so every function here raises `CalendarExhausted` instead of
guessing that a day is an ordinary weekday; callers degrade visibly (see
`certification.estimates.service`).
"""

import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar

SCHEDULES_FILE = Path(__file__).with_name("official_schedules.toml")

# 全国年节及纪念日放假办法 (as amended with effect from 2025): 13 days off for everyone, and
# one falling on a Saturday or Sunday is made up on a working day (art. 4), so a complete
# year has at least 13 weekday days off. Its fixed-date days must be off when on a weekday.
STATUTORY_DAYS_OFF = 13
FIXED_STATUTORY_DAYS = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))
_KEYS = {"source_title", "source_url", "holidays", "workdays"}


class ScheduleError(ValueError):
    """official_schedules.toml says something that cannot be a complete official year."""


@dataclass(frozen=True)
class OfficialSchedule:
    """One year of the State Council's notice: weekdays off and weekend days worked."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source_title: str
    source_url: str


class CalendarExhausted(Exception):
    """A date outside the official holiday data (the package's and the schedules file's)."""

    def __init__(self, day: date, *, covers: str = "") -> None:
        super().__init__(
            f"{day.isoformat()} is outside the Chinese holiday data{covers}: upgrade "
            "chinese-calendar (services/certification/pyproject.toml, then `uv lock`) once it "
            "publishes the State Council's schedule for that year, or add that year from the "
            "State Council's notice (国务院办公厅关于…年部分节假日安排的通知) to "
            "services/certification/src/certification/estimates/official_schedules.toml"
        )
        self.day = day


def _dates(year: int, key: str, value: object) -> list[date]:
    if not isinstance(value, list):
        raise ScheduleError(f"{year}.{key} must be a list of dates")
    days: list[date] = []
    for item in value:
        # tomllib gives date for 2027-01-01 and datetime for 2027-01-01T00:00: only days.
        if not isinstance(item, date) or isinstance(item, datetime):
            raise ScheduleError(
                f"{year}.{key}: {item!r} is not a date (write bare TOML dates: 2027-01-01)"
            )
        if item.year != year:
            raise ScheduleError(f"{year}.{key}: {item.isoformat()} is not in {year}")
        if item in days:
            raise ScheduleError(f"{year}.{key}: {item.isoformat()} is listed twice")
        days.append(item)
    return days


def _schedule(key: str, entry: object) -> OfficialSchedule:
    if not (len(key) == 4 and key.isdigit()):
        raise ScheduleError(f"{key!r} is not a year: write the table as [2027]")
    year = int(key)
    if not isinstance(entry, dict):
        raise ScheduleError(f"{year} must be a table with {sorted(_KEYS)}")
    missing, unknown = _KEYS - entry.keys(), entry.keys() - _KEYS
    if missing or unknown:
        raise ScheduleError(
            f"{year} is partial or misspelt: missing {sorted(missing)}, unknown {sorted(unknown)}"
        )
    title, url = entry["source_title"], entry["source_url"]
    if not isinstance(title, str) or f"{year}年" not in title:
        raise ScheduleError(f"{year}.source_title must be the notice's title (with '{year}年')")
    if not isinstance(url, str) or not url.startswith("https://"):
        raise ScheduleError(f"{year}.source_url must be the notice's https:// address")
    holidays = _dates(year, "holidays", entry["holidays"])
    workdays = _dates(year, "workdays", entry["workdays"])
    for day in holidays:
        if day.weekday() >= 5:
            raise ScheduleError(
                f"{year}.holidays: {day.isoformat()} is a weekend day; list only days off "
                "that would be weekdays"
            )
        if day in workdays:
            raise ScheduleError(f"{year}: {day.isoformat()} is both a holiday and a workday")
    for day in workdays:
        if day.weekday() < 5:
            raise ScheduleError(
                f"{year}.workdays: {day.isoformat()} is a weekday; list only weekend days "
                "that are working days"
            )
    if len(holidays) < STATUTORY_DAYS_OFF:
        raise ScheduleError(
            f"{year} is partial: {len(holidays)} weekday days off, the law gives at least "
            f"{STATUTORY_DAYS_OFF} (copy every item of the notice)"
        )
    for month, day_of_month in FIXED_STATUTORY_DAYS:
        day = date(year, month, day_of_month)
        if day.weekday() < 5 and day not in holidays:
            raise ScheduleError(f"{year} is partial: the statutory {day.isoformat()} is missing")
    return OfficialSchedule(year, frozenset(holidays), frozenset(workdays), title, url)


def parse_schedules(data: Mapping[str, object], *, after: int) -> dict[int, OfficialSchedule]:
    """Validate the schedules file's tables: whole years following year `after` (the last
    year the package covers) without a gap; a year the package already covers is refused."""
    schedules = [_schedule(key, entry) for key, entry in data.items()]
    expected = after + 1
    for schedule in sorted(schedules, key=lambda s: s.year):
        if schedule.year <= after:
            raise ScheduleError(
                f"{schedule.year} is covered by the installed chinese-calendar: remove it from "
                "official_schedules.toml"
            )
        if schedule.year != expected:
            raise ScheduleError(
                f"{schedule.year} is listed but {expected} is neither in chinese-calendar "
                "nor in official_schedules.toml"
            )
        expected += 1
    return {schedule.year: schedule for schedule in schedules}


def load_schedules(path: Path, *, after: int) -> dict[int, OfficialSchedule]:
    with path.open("rb") as file:
        try:
            data = tomllib.load(file)
        except tomllib.TOMLDecodeError as error:
            raise ScheduleError(f"{path.name}: {error}") from error
    try:
        return parse_schedules(data, after=after)
    except ScheduleError as error:
        raise ScheduleError(f"{path.name}: {error}") from error


class Calendar:
    """The package's years, then the official schedules' whole years, nothing guessed."""

    def __init__(
        self,
        holidays: Collection[date],
        workdays: Collection[date],
        *,
        version: str,
        schedules: Iterable[OfficialSchedule] = (),
    ) -> None:
        self._holidays = set(holidays)
        self._workdays = set(workdays)
        self.first = min(min(self._holidays), min(self._workdays))
        self.package_last = date(max(max(self._holidays), max(self._workdays)).year, 12, 31)
        self.version = version
        self.official_years: tuple[int, ...] = ()
        for schedule in sorted(schedules, key=lambda s: s.year):
            self._holidays |= schedule.holidays
            self._workdays |= schedule.workdays
            self.official_years += (schedule.year,)
        # parse_schedules guarantees the years follow the package's without a gap.
        self.last = date(max(self.official_years, default=self.package_last.year), 12, 31)

    @classmethod
    def installed(cls, schedules_file: Path = SCHEDULES_FILE) -> "Calendar":
        package_holidays = chinese_calendar.holidays
        package_workdays = chinese_calendar.workdays
        last_year = max(max(package_holidays), max(package_workdays)).year
        return cls(
            package_holidays,
            package_workdays,
            version=getattr(chinese_calendar, "__version__", "unknown"),
            schedules=load_schedules(schedules_file, after=last_year).values(),
        )

    def covered(self, day: date) -> bool:
        return self.first <= day <= self.last

    def is_working_day(self, day: date) -> bool:
        """Whether people work on `day`: weekdays that are not holidays, plus adjusted
        workdays."""
        if not self.covered(day):
            official = f", official schedules {list(self.official_years)}"
            raise CalendarExhausted(
                day,
                covers=(
                    f" (chinese-calendar {self.version}: {self.first.isoformat()} to "
                    f"{self.package_last.isoformat()}"
                    f"{official if self.official_years else ''})"
                ),
            )
        if day in self._workdays:
            return True
        if day in self._holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (`start` itself never counts; 0 gives
        `start`). Negative `days` count backwards: the `-days`-th working day before
        `start`."""
        step = timedelta(days=1 if days >= 0 else -1)
        left = abs(days)
        day = start
        while left:
            day += step
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when `end` <= `start`)."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


# Loaded once at import: a broken schedules file stops the service (and the tests) loudly.
INSTALLED = Calendar.installed()
FIRST_COVERED = INSTALLED.first
LAST_COVERED = INSTALLED.last
VERSION = INSTALLED.version
OFFICIAL_YEARS = INSTALLED.official_years

covered = INSTALLED.covered
is_working_day = INSTALLED.is_working_day
add_working_days = INSTALLED.add_working_days
working_days_between = INSTALLED.working_days_between
