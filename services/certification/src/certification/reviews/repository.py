"""All SQL of the reviewer workbench: the queue, notes."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Row, Select, and_, or_, select, text, union_all

from certification.applications.models import Application
from certification.reviews.models import WAITING_PREDICATE, ReviewNote
from educert_common.http.pagination import Cursor
from educert_common.repository import Repository

ClaimFilter = Literal["mine", "unclaimed", "anyone"]

# What a queue row carries: no steps or findings (JSONB), so a page stays an index read.
QUEUE_COLUMNS = (
    Application.id,
    Application.number,
    Application.kind,
    Application.state,
    Application.country,
    Application.queued_at,
    Application.due_on,
    Application.submitted_at,
    Application.claimed_by,
    Application.claimed_at,
)


ORDER = (Application.queued_at, Application.id)
WAITING = frozenset({"submitted", "resubmitted"})


@dataclass(frozen=True, slots=True)
class QueueFilter:
    states: tuple[str, ...]
    kind: str | None = None
    country: str | None = None
    queued_before: datetime | None = None
    # True: due before `today`; False: not breached (no SLA, or due today or later).
    sla_breached: bool | None = None
    today: date | None = None
    claimed: ClaimFilter = "anyone"
    reviewer: str = ""


class QueueRepository:
    def __init__(self, session: Any) -> None:
        self.session = session

    async def page(
        self, query: QueueFilter, *, limit: int, after: Cursor | None
    ) -> tuple[Sequence[Row[Any]], Cursor | None]:
        """One page, oldest queued first, keyset on (queued_at, id): rows queued after the
        page was read never shift it, and none is seen twice."""
        states = set(query.states)
        if len(states) == 1 or states == WAITING:
            # One state, or the waiting pair its partial index orders: one ordered read.
            state = (
                text(WAITING_PREDICATE)
                if states == WAITING
                else Application.state == query.states[0]
            )
            statement = self._filtered(query, after, state)
            statement = statement.order_by(*ORDER).limit(limit + 1)
        else:
            # Several states: each read in order on its own, and only their heads merged
            # (a bitmap scan of every row of the states and a sort would grow with them).
            heads = [
                self._filtered(query, after, Application.state == state)
                .order_by(*ORDER)
                .limit(limit + 1)
                .subquery()
                for state in sorted(states)
            ]
            merged = union_all(*(select(*head.c) for head in heads)).subquery()
            statement = select(*merged.c).order_by(merged.c.queued_at, merged.c.id)
            statement = statement.limit(limit + 1)
        rows = list((await self.session.execute(statement)).all())
        if len(rows) <= limit:
            return rows, None
        rows = rows[:limit]
        return rows, Cursor(rows[-1].queued_at, str(rows[-1].id))

    def _filtered(
        self, query: QueueFilter, after: Cursor | None, state: Any
    ) -> "Select[*tuple[Any, ...]]":
        statement = select(*QUEUE_COLUMNS).where(Application.queued_at.is_not(None), state)
        if query.kind is not None:
            statement = statement.where(Application.kind == query.kind)
        if query.country is not None:
            statement = statement.where(Application.country == query.country)
        if query.queued_before is not None:
            statement = statement.where(Application.queued_at < query.queued_before)
        if query.sla_breached is True:
            statement = statement.where(Application.due_on < query.today)
        elif query.sla_breached is False:
            statement = statement.where(
                or_(Application.due_on.is_(None), Application.due_on >= query.today)
            )
        if query.claimed == "mine":
            statement = statement.where(Application.claimed_by == query.reviewer)
        elif query.claimed == "unclaimed":
            statement = statement.where(Application.claimed_by.is_(None))
        if after is not None:
            statement = statement.where(
                or_(
                    Application.queued_at > after.created_at,
                    and_(
                        Application.queued_at == after.created_at,
                        Application.id > uuid.UUID(after.id),
                    ),
                )
            )
        return statement


class NoteRepository(Repository[ReviewNote]):
    model = ReviewNote

    async def of_application(self, application_id: uuid.UUID) -> Sequence[ReviewNote]:
        return await self.scalars(
            select(ReviewNote)
            .where(ReviewNote.application_id == application_id)
            .order_by(ReviewNote.created_at, ReviewNote.id)
        )
