"""Estimates against the real certification database: the queue ahead and the reviewers'
throughput are read from applications and their transitions, and the estimate moves with
them. Rows are written in a transaction that is rolled back; the dates are in 2025, where
no other test writes, and each assertion compares before and after."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from certification import estimates
from certification.applications.models import Application, ApplicationTransition
from certification.config import CertificationSettings
from certification.estimates.calendar import LAST_COVERED, OFFICIAL_YEARS, add_working_days
from certification.estimates.estimator import Rules
from certification.estimates.service import history_of_the_day
from educert_common.db import Database

KIND = "hmt_degree"  # nominal 10 working days
NOW = datetime(2025, 6, 10, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai
RULES = Rules(window_working_days=20, min_decisions=5, institution_days=10,
              supplement_default_days=10)  # fmt: skip


@pytest.fixture
async def session(migrated_services: None) -> AsyncIterator[AsyncSession]:
    history_of_the_day.clear()
    database = Database.connect(CertificationSettings().resolved_database_url(), pool_size=1)
    try:
        async with database.sessionmaker() as session:
            await session.begin()
            try:
                yield session
            finally:
                await session.rollback()
    finally:
        await database.dispose()


async def _application(
    session: AsyncSession, state: str, *, queued_at: datetime | None = None, kind: str = KIND
) -> Application:
    application = Application(
        id=uuid.uuid4(),
        number="RZT" + uuid.uuid4().hex[:16],
        user_id=uuid.uuid4(),
        kind=kind,
        state=state,
        steps={},
        findings=[],
        queued_at=queued_at,
        created_at=NOW - timedelta(days=60),
        updated_at=NOW,
    )
    session.add(application)
    await session.flush()
    return application


async def _decisions(session: AsyncSession, count: int, *, days_ago: int) -> None:
    """`count` decided applications of the kind, certified `days_ago` calendar days ago
    (written into the past, which production never does: the day's history is read again)."""
    for _ in range(count):
        decided = await _application(session, "certified")
        session.add(
            ApplicationTransition(
                application_id=decided.id, from_state="in_review", to_state="certified",
                actor="reviewer", reason="", at=NOW - timedelta(days=days_ago),
            )
        )  # fmt: skip
    await session.flush()
    history_of_the_day.clear()


async def test_the_estimate_moves_when_the_queue_ahead_grows(session: AsyncSession) -> None:
    await _decisions(session, 10, days_ago=3)  # 10 in 20 working days: one every 2 days
    mine = await _application(session, "submitted", queued_at=NOW - timedelta(hours=1))
    before = await estimates.for_applicant(session, mine, now=NOW, rules=RULES)
    assert before is not None and before.bottleneck == "waiting_for_review"
    assert before.basis["method"] == "throughput"

    for hours in range(2, 8):  # six joined the queue before it
        await _application(session, "submitted", queued_at=NOW - timedelta(hours=hours))
    await _application(session, "resubmitted", queued_at=NOW - timedelta(minutes=30))  # after
    await _application(
        session, "submitted", queued_at=NOW - timedelta(days=1), kind="foreign_degree"
    )
    after = await estimates.for_applicant(session, mine, now=NOW, rules=RULES)
    assert after is not None
    assert after.basis["queue_ahead"] == before.basis["queue_ahead"] + 6
    assert before.working_days_left is not None and after.working_days_left is not None
    assert after.working_days_left == before.working_days_left + 12  # 6 more at 0.5 a day
    assert before.completion_date is not None and after.completion_date is not None
    assert after.completion_date > before.completion_date
    assert after.completion_date == add_working_days(date(2025, 6, 10), after.working_days_left)


async def test_the_estimate_moves_when_reviewers_decide_faster(session: AsyncSession) -> None:
    mine = await _application(session, "submitted", queued_at=NOW - timedelta(hours=1))
    for hours in range(2, 12):
        await _application(session, "submitted", queued_at=NOW - timedelta(hours=hours))
    await _decisions(session, 10, days_ago=5)
    slow = await estimates.for_applicant(session, mine, now=NOW, rules=RULES)
    # Old decisions (before the 20-working-day window) and today's do not count.
    await _decisions(session, 30, days_ago=60)
    await _decisions(session, 30, days_ago=0)
    still = await estimates.for_applicant(session, mine, now=NOW, rules=RULES)
    assert slow is not None and still is not None
    assert still.basis["decisions_in_window"] == slow.basis["decisions_in_window"]
    assert still.working_days_left == slow.working_days_left

    await _decisions(session, 30, days_ago=2)
    fast = await estimates.for_applicant(session, mine, now=NOW, rules=RULES)
    assert fast is not None
    assert fast.basis["decisions_in_window"] == slow.basis["decisions_in_window"] + 30
    assert slow.working_days_left is not None and fast.working_days_left is not None
    assert fast.working_days_left < slow.working_days_left
    assert fast.basis["decisions_per_working_day"] > slow.basis["decisions_per_working_day"]


async def test_the_days_history_is_read_once(session: AsyncSession) -> None:
    await _decisions(session, 10, days_ago=3)
    mine = await _application(session, "submitted", queued_at=NOW - timedelta(hours=1))
    first = await estimates.for_applicant(session, mine, now=NOW, rules=RULES)
    # A decision made today (after midnight) is outside today's window: the history stands,
    # and it is not read again; the queue is.
    session.add(
        ApplicationTransition(
            application_id=mine.id, from_state="in_review", to_state="returned", actor="r",
            reason="", at=NOW,
        )
    )  # fmt: skip
    await _application(session, "submitted", queued_at=NOW - timedelta(hours=3))
    await session.flush()
    second = await estimates.for_applicant(session, mine, now=NOW, rules=RULES)
    assert first is not None and second is not None
    assert second.basis["decisions_in_window"] == first.basis["decisions_in_window"]
    assert second.basis["queue_ahead"] == first.basis["queue_ahead"] + 1
    # The next day it is read again and counts yesterday's decision.
    tomorrow = await estimates.for_applicant(session, mine, now=NOW + timedelta(days=1),
                                             rules=RULES)  # fmt: skip
    assert tomorrow is not None
    assert tomorrow.basis["decisions_in_window"] == first.basis["decisions_in_window"] + 1


async def test_without_history_the_nominal_days_stand_in(session: AsyncSession) -> None:
    # Far from any other test's rows: no decisions in its window.
    quiet = datetime(2024, 3, 5, 2, 0, tzinfo=UTC)
    mine = await _application(session, "submitted", queued_at=quiet - timedelta(hours=1))
    found = await estimates.for_applicant(session, mine, now=quiet, rules=RULES)
    assert found is not None and found.basis["method"] == "no_history"
    assert found.working_days_left == 10
    assert found.completion_date == add_working_days(date(2024, 3, 5), 10)


async def test_joining_the_queue_sets_the_sla_day_and_returns_the_date(
    session: AsyncSession,
) -> None:
    await _decisions(session, 10, days_ago=3)
    paying = await _application(session, "awaiting_payment")
    waiting = await estimates.for_applicant(session, paying, now=NOW, rules=RULES)
    assert waiting is not None and waiting.bottleneck == "waiting_for_payment"

    completion = await estimates.on_submit(session, paying, now=NOW, rules=RULES)
    assert paying.due_on == add_working_days(date(2025, 6, 10), 10)
    assert completion is not None and completion == waiting.completion_date


async def test_past_the_calendar_the_estimate_shows_no_date_and_says_why(
    session: AsyncSession,
) -> None:
    last_day = datetime.combine(LAST_COVERED, datetime.min.time(), UTC) + timedelta(hours=2)
    paying = await _application(session, "awaiting_payment")
    completion = await estimates.on_submit(session, paying, now=last_day, rules=RULES)
    assert completion is None and paying.due_on is None
    shown = await estimates.for_applicant(session, paying, now=last_day, rules=RULES)
    assert shown is not None and shown.completion_date is None
    assert shown.working_days_left is None
    assert shown.basis["calendar_exhausted"] is True
    assert shown.basis["calendar_covers_until"] == LAST_COVERED.isoformat()
    assert shown.basis["calendar_official_years"] == list(OFFICIAL_YEARS)
    assert shown.bottleneck == "waiting_for_payment"
