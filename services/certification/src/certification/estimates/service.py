"""Estimated completion in Chinese working days, in Asia/Shanghai dates: the queue ahead and
reviewers' recent throughput (repository) through the arithmetic (estimator), counted on the
official calendar (calendar). When the calendar's data runs out the estimate says so
(basis.calendar_exhausted, no date) instead of failing the request or guessing."""

import functools
import logging
from datetime import date, datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from certification.applications.models import Application
from certification.applications.schemas import EstimateOut
from certification.config import CertificationSettings
from certification.estimates import calendar
from certification.estimates.calendar import CalendarExhausted
from certification.estimates.estimator import History, Plan, Rules, Situation, plan
from certification.estimates.repository import EstimateRepository
from certification.kinds import kind_spec
from educert_common.clock import BEIJING as SHANGHAI

logger = logging.getLogger(__name__)

# China keeps one offset all year (no daylight saving).


@functools.lru_cache(maxsize=1)
def _process_rules() -> Rules:
    return rules_from(CertificationSettings())


def rules_from(settings: CertificationSettings) -> Rules:
    return Rules(
        window_working_days=settings.estimate_window_working_days,
        min_decisions=settings.estimate_min_decisions,
        institution_days=settings.institution_confirmation_days,
        supplement_default_days=settings.supplement_default_days,
    )


def local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI)


class DailyHistory:
    """The history per (kind, day, rules), read once a day per process: its window ends at
    today's midnight and transitions are stamped as they happen, so it cannot change during
    the day (reading it costs a join over the window's transitions; the queue count, the
    part that moves, is read on every estimate)."""

    MAX_ENTRIES = 256

    def __init__(self) -> None:
        self._entries: dict[tuple[str, date, Rules], History] = {}

    async def get(self, session: AsyncSession, kind: str, today: date, rules: Rules) -> History:
        key = (kind, today, rules)
        found = self._entries.get(key)
        if found is None:
            found = await _history(session, kind, today, rules)
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = found
        return found

    def clear(self) -> None:
        """Forget what was read (tests that write rows into the past)."""
        self._entries.clear()


history_of_the_day = DailyHistory()


async def _history(session: AsyncSession, kind: str, today: date, rules: Rules) -> History:
    """What happened in the `window` working days before today (today, half over, is out)."""
    # [start, today) holds exactly `window` working days.
    start = calendar.add_working_days(today, -rules.window_working_days)
    since = _midnight(start)
    until = _midnight(today)
    repository = EstimateRepository(session)
    decisions = await repository.decisions(kind, since, until)
    waits = [
        calendar.working_days_between(local_date(returned), local_date(resubmitted))
        for returned, resubmitted in await repository.resubmissions(kind, since, until)
    ]
    return History(decisions=decisions, resubmit_days=waits)


def _waited(application: Application, today: date) -> int:
    if application.queued_at is None:
        return 0
    return calendar.working_days_between(local_date(application.queued_at), today)


async def estimate(
    session: AsyncSession,
    application: Application,
    *,
    now: datetime,
    state: str | None = None,
    joining: bool = False,
    rules: Rules | None = None,
) -> EstimateOut | None:
    """The estimate for `application` in `state` (default: its own), or None where none
    applies (draft, decided, withdrawn). `joining`: it enters the queue now, behind everyone
    waiting (its `queued_at` is not stamped yet)."""
    rules = rules or _process_rules()
    state = state or application.state
    spec = kind_spec(application.kind)
    today = local_date(now)
    repository = EstimateRepository(session)
    queued_at = None if joining else application.queued_at
    if state in ("submitted", "resubmitted") and queued_at is not None:
        ahead = await repository.ahead_of(application.kind, application.id, queued_at)
    elif state == "in_review":
        ahead = 0
    else:  # not queued yet (paying, returned, or joining now): behind everyone waiting
        ahead = await repository.waiting(application.kind)
    basis_extra: dict[str, object] = {"from": today.isoformat()}
    try:
        history = await history_of_the_day.get(session, application.kind, today, rules)
        waited = _waited(application, today) if state == "in_review" else 0
    except CalendarExhausted as exhausted:
        return _exhausted(state, exhausted, basis_extra)
    situation = Situation(
        state=state,
        nominal_review_days=spec.nominal_review_days,
        ahead=ahead,
        institution_stage=bool(spec.extra.get("institution_confirmation")),
        waited=waited,
    )
    found = plan(situation, history, rules)
    if found is None:
        return None
    return _dated(found, today, basis_extra)


def _dated(found: Plan, today: date, basis_extra: dict[str, object]) -> EstimateOut:
    basis = {**found.basis, **basis_extra}
    try:
        completion: date | None = calendar.add_working_days(today, found.working_days)
        days: int | None = found.working_days
    except CalendarExhausted as exhausted:
        logger.warning("estimate beyond the holiday calendar", extra={"day": str(exhausted.day)})
        basis.update(_exhausted_basis(exhausted))
        completion, days = None, None
    return EstimateOut(
        completion_date=completion,
        working_days_left=days,
        bottleneck=found.bottleneck,
        basis=basis,
    )


def _exhausted_basis(exhausted: CalendarExhausted) -> dict[str, object]:
    return {
        "calendar_exhausted": True,
        "calendar_covers_until": calendar.LAST_COVERED.isoformat(),
        "calendar_version": calendar.VERSION,
        "calendar_official_years": list(calendar.OFFICIAL_YEARS),
    }


def _exhausted(
    state: str, exhausted: CalendarExhausted, basis_extra: dict[str, object]
) -> EstimateOut | None:
    # Today itself is outside the data: no arithmetic is possible, only the honest answer.
    logger.warning("today is beyond the holiday calendar", extra={"day": str(exhausted.day)})
    bottleneck = {
        "awaiting_payment": "waiting_for_payment",
        "submitted": "waiting_for_review",
        "resubmitted": "waiting_for_review",
        "in_review": "in_review",
        "returned": "waiting_for_applicant",
    }.get(state)
    if bottleneck is None:
        return None
    return EstimateOut(
        completion_date=None,
        working_days_left=None,
        bottleneck=bottleneck,  # type: ignore[arg-type]
        basis={**basis_extra, **_exhausted_basis(exhausted)},
    )


async def on_submit(
    session: AsyncSession, application: Application, *, now: datetime, rules: Rules | None = None
) -> date | None:
    """The application joins the reviewers' queue now (submitted, or resubmitted after
    supplements): set its SLA day (`due_on`, the kind's nominal review days in working days
    from today) and return the estimated completion for the submitted or resubmitted event
    (None when the calendar cannot say)."""
    spec = kind_spec(application.kind)
    today = local_date(now)
    try:
        application.due_on = calendar.add_working_days(today, spec.nominal_review_days)
    except CalendarExhausted as exhausted:
        logger.warning("SLA day beyond the holiday calendar", extra={"day": str(exhausted.day)})
        application.due_on = None
    found = await estimate(
        session, application, now=now, state="submitted", joining=True, rules=rules
    )
    return found.completion_date if found else None


async def for_applicant(
    session: AsyncSession, application: Application, *, now: datetime, rules: Rules | None = None
) -> EstimateOut | None:
    """The estimate shown on the applicant's application (None for drafts and final states)."""
    return await estimate(session, application, now=now, rules=rules)
