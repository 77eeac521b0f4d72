"""The reviewer workbench: the queue, claiming and releasing applications (one reviewer at a
time), and reviewers' internal notes. Every change of state goes through
`applications.states.move`; claims are taken under the application's row lock, so two
reviewers claiming at once are served one after the other and the second finds it taken."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from certification.applications.models import Application
from certification.applications.repository import ApplicationRepository
from certification.applications.states import QUEUED, State, move
from certification.exceptions import ApplicationNotFound, TransitionNotAllowed
from certification.reviews.exceptions import ClaimedByAnother, NotClaimed
from certification.reviews.models import ReviewNote
from certification.reviews.repository import (
    ClaimFilter,
    NoteRepository,
    QueueFilter,
    QueueRepository,
)
from educert_common.audit import AuditLog
from educert_common.auth import OVERSEEING_ROLES, Principal
from educert_common.clock import BEIJING
from educert_common.events.outbox import Outbox
from educert_common.http.pagination import Cursor, cursor_invalid

WAITING = tuple(sorted(state.value for state in QUEUED))


def today_in_beijing(now: datetime) -> date:
    """SLA due dates are Asia/Shanghai working days."""
    return now.astimezone(BEIJING).date()


def sla_breached(due_on: date | None, now: datetime) -> bool:
    """Past its due day (an application without a due day has no SLA)."""
    return due_on is not None and due_on < today_in_beijing(now)


def overseer(principal: Principal) -> bool:
    return not principal.roles.isdisjoint(OVERSEEING_ROLES)


async def queue(
    session: AsyncSession,
    *,
    reviewer: str,
    states: Sequence[str],
    kind: str | None,
    country: str | None,
    queued_before: datetime | None,
    older_than_days: int | None,
    sla: bool | None,
    claimed: ClaimFilter,
    limit: int,
    cursor: Cursor | None,
    now: datetime,
) -> tuple[Sequence[Any], Cursor | None]:
    """A page of the queue, oldest queued first, with the filters given."""
    wanted: list[str] = []
    for state in states or ("waiting",):
        wanted.extend(WAITING if state == "waiting" else (state,))
    cutoffs = [t for t in (queued_before, _days_ago(older_than_days, now)) if t is not None]
    if cursor is not None:
        try:
            uuid.UUID(cursor.id)
        except ValueError:
            raise cursor_invalid() from None
    query = QueueFilter(
        states=tuple(sorted(set(wanted))),
        kind=kind,
        country=country,
        queued_before=min(cutoffs) if cutoffs else None,
        sla_breached=sla,
        today=today_in_beijing(now),
        claimed=claimed,
        reviewer=reviewer,
    )
    return await QueueRepository(session).page(query, limit=limit, after=cursor)


def _days_ago(days: int | None, now: datetime) -> datetime | None:
    return None if days is None else now - timedelta(days=days)


async def for_review(
    session: AsyncSession, application_id: uuid.UUID, *, lock: bool = False
) -> Application:
    """An application reviewers may see: anything the applicant has submitted (drafts and
    unpaid ones stay the applicant's own)."""
    applications = ApplicationRepository(session)
    found = await (applications.lock(application_id) if lock else applications.get(application_id))
    if found is None or found.state in (State.DRAFT, State.AWAITING_PAYMENT):
        raise ApplicationNotFound()
    return found


async def claim(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    application: Application,
    *,
    reviewer: str,
    now: datetime,
) -> Application:
    """Take a locked application for review: a queued one moves to in review; an in-review
    one nobody holds is simply taken; claiming one's own again changes nothing."""
    state = State(application.state)
    if state not in QUEUED and state is not State.IN_REVIEW:
        raise TransitionNotAllowed("claim", application.state)
    if application.claimed_by == reviewer:
        return application
    if application.claimed_by is not None:
        raise ClaimedByAnother(application.claimed_by)
    if state in QUEUED:
        await move(session, audit, outbox, application, "claim", actor=reviewer, now=now)
    else:
        await audit.record(
            session,
            actor=reviewer,
            action="application.claimed",
            subject_type="application",
            subject_id=str(application.id),
            after={"claimed_by": reviewer},
        )
    application.claimed_by = reviewer
    application.claimed_at = now
    application.updated_at = now
    await session.flush()
    return application


async def release(
    session: AsyncSession,
    audit: AuditLog,
    application: Application,
    *,
    principal: Principal,
    reason: str,
    now: datetime,
) -> Application:
    """Give a locked application back (it stays in review, for any reviewer to claim); an
    operator may release anyone's claim, and that is audited as forced."""
    if State(application.state) is not State.IN_REVIEW:
        # A decided application keeps its decider as the last holder.
        raise TransitionNotAllowed("release", application.state)
    holder = application.claimed_by
    if holder is None:
        raise NotClaimed()
    forced = holder != principal.subject
    if forced and not overseer(principal):
        raise ClaimedByAnother(holder)
    application.claimed_by = None
    application.claimed_at = None
    application.updated_at = now
    await session.flush()
    await audit.record(
        session,
        actor=principal.subject,
        action="application.claim_force_released" if forced else "application.claim_released",
        subject_type="application",
        subject_id=str(application.id),
        before={"claimed_by": holder},
        after={"claimed_by": None, **({"reason": reason} if reason else {})},
    )
    return application


async def add_note(
    session: AsyncSession,
    audit: AuditLog,
    application: Application,
    *,
    author: str,
    body: str,
    now: datetime,
) -> ReviewNote:
    """Keep a reviewer's internal note (never shown to the applicant)."""
    note = await NoteRepository(session).add(
        ReviewNote(application_id=application.id, author=author, body=body, created_at=now)
    )
    # The audit says a note was written, not what it says.
    await audit.record(
        session,
        actor=author,
        action="application.note_added",
        subject_type="application",
        subject_id=str(application.id),
        after={"note_id": str(note.id)},
    )
    return note


async def notes(session: AsyncSession, application: Application) -> Sequence[ReviewNote]:
    return await NoteRepository(session).of_application(application.id)
