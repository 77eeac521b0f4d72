"""Operators hear that the holiday data runs out, from a real certification process whose
clock is moved (dates relative to the installed data's last day, never the real date): a
WARNING at start-up, a warning on /readyz (which stays 200: the pod stays in the load
balancer), and the days left on /metrics."""

import json
from datetime import UTC, date, datetime, time, timedelta

import httpx
import pytest

from certification.estimates import calendar
from certification.estimates.coverage import calendar_coverage
from certification.testing import Stack
from educert_common.clock import BEIJING
from educert_common.testing.clock import MovableClock

pytestmark = pytest.mark.e2e

# Ten days before the data ends: the longest SLA (20 working days) runs past it.
EXHAUSTED_ON = calendar.LAST_COVERED - timedelta(days=10)
OK_ON = calendar.LAST_COVERED - timedelta(days=200)


def noon_in_beijing(day: date) -> datetime:
    return datetime.combine(day, time(12), BEIJING).astimezone(UTC)


def move_to(clock: MovableClock, day: date) -> None:
    clock.advance(seconds=(noon_in_beijing(day) - clock.now()).total_seconds())


@pytest.fixture(scope="module")
def clock(tmp_path_factory: pytest.TempPathFactory) -> MovableClock:
    movable = MovableClock(tmp_path_factory.mktemp("clock") / "offset")
    move_to(movable, EXHAUSTED_ON)
    return movable


@pytest.fixture(scope="module")
def certification_env(clock: MovableClock) -> dict[str, str]:
    return {"CERTIFICATION_CLOCK_OFFSET_FILE": str(clock.path)}


def days_left_metric(text: str) -> float:
    (line,) = [
        line
        for line in text.splitlines()
        if line.startswith("certification_holiday_calendar_days_left ")
    ]
    return float(line.split()[1])


async def test_the_exhausted_calendar_is_logged_at_start_up_and_shown_while_ready(
    stack: Stack, http: httpx.AsyncClient, clock: MovableClock
) -> None:
    url = stack.certification.url
    entries = [
        json.loads(line)
        for line in stack.certification.log_path.read_text().splitlines()
        if line.startswith("{")
    ]
    (warned,) = [e for e in entries if e.get("check") == "holiday_calendar"]
    assert warned["level"] == "warning"
    assert f"ends on {calendar.LAST_COVERED.isoformat()}" in warned["message"]
    assert "estimates for new applications show no date" in warned["message"]
    assert "official_schedules.toml" in warned["message"]

    ready = await http.get(f"{url}/readyz")
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert checks["database"] == checks["broker"] == "ok"
    expected = calendar_coverage(EXHAUSTED_ON).warning()
    assert checks["holiday_calendar"] == f"warning: {expected}"
    assert days_left_metric((await http.get(f"{url}/metrics")).text) == 10

    # Far from the end (here: the clock moved back) the warning is gone; the process reads
    # the replaced offset file on its next look at the clock.
    move_to(clock, OK_ON)
    ready = await http.get(f"{url}/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["holiday_calendar"] == "ok"
    assert days_left_metric((await http.get(f"{url}/metrics")).text) == 200
