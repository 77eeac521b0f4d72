"""The estimate the applicant sees, against real identity, payment (with its sandbox) and
certification processes. Certification's clock is moved to a Monday of 2026 so the estimate
stays inside the holiday data whatever the real date (past it, estimates show no date:
see test_calendar_health.py for what operators are told)."""

from datetime import UTC, date, datetime

import pytest

from certification.estimates.calendar import add_working_days
from certification.testing import Applicant, Stack, foreign_steps
from educert_common.testing.clock import MovableClock

pytestmark = pytest.mark.e2e

# Monday 2 March 2026, 10:00 in Shanghai.
PINNED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def certification_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    path = tmp_path_factory.mktemp("clock") / "offset"
    clock = MovableClock(path)
    clock.advance(seconds=(PINNED - datetime.now(UTC)).total_seconds())
    return {"CERTIFICATION_CLOCK_OFFSET_FILE": str(path)}


async def test_a_paid_application_shows_its_estimate_waiting_for_review(
    applicant: Applicant, stack: Stack
) -> None:
    draft = await applicant.open()
    await applicant.fill(draft["id"], foreign_steps())
    await applicant.upload_required(draft["id"])
    assert (await applicant.get(draft["id"]))["estimate"] is None  # a draft has none

    response = await applicant.submit(draft["id"])
    assert response.status_code == 200, response.text
    submitted = response.json()
    paying = await applicant.get(submitted["id"])
    assert paying["estimate"]["bottleneck"] == "waiting_for_payment"

    await applicant.pay(submitted["orders"][0]["order_id"])
    queued = await applicant.in_state(submitted["id"], "submitted")
    estimate = queued["estimate"]
    assert estimate["bottleneck"] == "waiting_for_review"
    assert estimate["basis"]["stages"][0]["stage"] == "waiting_for_review"
    assert estimate["basis"]["from"] == "2026-03-02"
    completion = date.fromisoformat(estimate["completion_date"])
    assert completion == add_working_days(date(2026, 3, 2), estimate["working_days_left"])
    assert completion > date(2026, 3, 2)

    event = await stack.subscriber.wait_for(
        "certification.application.submitted", application_id=submitted["id"]
    )
    announced = date.fromisoformat(event["data"]["estimated_completion"])
    assert announced == completion
    # The SLA day: the kind's nominal 10 working days from the day it joined the queue.
    (due_on,) = await stack.rows(
        "SELECT due_on FROM applications WHERE id = :id", id=submitted["id"]
    )
    assert due_on[0] == add_working_days(date(2026, 3, 2), 10)
