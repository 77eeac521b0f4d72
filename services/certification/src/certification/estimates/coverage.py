"""How long the holiday data (chinese-calendar, then official_schedules.toml) lasts from a
given day, for operators: the start-up log, /readyz and /metrics say so well before estimates
lose their dates. Pure: the day is passed in, never read from the system clock."""

from dataclasses import dataclass
from datetime import date
from typing import Literal

from prometheus_client import Gauge

from certification.estimates import calendar
from certification.estimates.calendar import Calendar, CalendarExhausted
from certification.kinds import KINDS

# The furthest day promised when an application is submitted: the longest SLA of any kind.
HORIZON_WORKING_DAYS = max(spec.nominal_review_days for spec in KINDS.values())
# Warn this many calendar days before the data ends: the State Council publishes the next
# year's notice around November, which leaves time to copy it or upgrade the package.
RUNNING_OUT_WITHIN_DAYS = 60

CoverageState = Literal["ok", "running_out", "exhausted"]

CALENDAR_DAYS_LEFT = Gauge(
    "certification_holiday_calendar_days_left",
    "Calendar days from today (Asia/Shanghai) to the last day of the Chinese holiday data; "
    "estimates lose their dates once fewer than the longest SLA's working days are left",
)


@dataclass(frozen=True)
class CalendarCoverage:
    """The holiday data seen from `today`."""

    today: date
    covered_until: date
    horizon_working_days: int
    # Working days left after the horizon's last day; None when the horizon runs past the data.
    margin_working_days: int | None
    state: CoverageState
    version: str
    official_years: tuple[int, ...]

    @property
    def days_left(self) -> int:
        """Calendar days from today to the data's last day (negative once past it)."""
        return (self.covered_until - self.today).days

    def warning(self) -> str | None:
        """What an operator must read and do, or None while the data lasts."""
        if self.state == "ok":
            return None
        source = f"chinese-calendar {self.version}"
        if self.official_years:
            source += f" and official_schedules.toml {list(self.official_years)}"
        if self.state == "exhausted":
            impact = (
                f"fewer than {self.horizon_working_days} working days (the longest SLA) are "
                "left, so estimates for new applications show no date and their SLA day "
                "stays empty"
            )
        else:
            impact = (
                f"{self.days_left} days left; estimates lose their dates once fewer than "
                f"{self.horizon_working_days} working days are left"
            )
        return (
            f"the Chinese holiday data ({source}) ends on {self.covered_until.isoformat()}: "
            f"{impact}. Upgrade chinese-calendar (services/certification/pyproject.toml, then "
            "`uv lock`) if a release has the next year, or add the year from the State "
            "Council's notice to services/certification/src/certification/estimates/"
            "official_schedules.toml"
        )


def calendar_coverage(
    today: date,
    *,
    horizon_working_days: int = HORIZON_WORKING_DAYS,
    running_out_within_days: int = RUNNING_OUT_WITHIN_DAYS,
    holidays: Calendar = calendar.INSTALLED,
) -> CalendarCoverage:
    """The state of the holiday data on `today`: "exhausted" when the horizon (the longest
    SLA) runs past it, "running_out" when it ends within `running_out_within_days`, else
    "ok"."""
    try:
        horizon_end = holidays.add_working_days(today, horizon_working_days)
    except CalendarExhausted:
        margin = None
        state: CoverageState = "exhausted"
    else:
        margin = holidays.working_days_between(horizon_end, holidays.last)
        days_left = (holidays.last - today).days
        state = "running_out" if days_left <= running_out_within_days else "ok"
    return CalendarCoverage(
        today=today,
        covered_until=holidays.last,
        horizon_working_days=horizon_working_days,
        margin_working_days=margin,
        state=state,
        version=holidays.version,
        official_years=holidays.official_years,
    )
