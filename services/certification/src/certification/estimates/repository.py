"""All SQL of the estimates: the queue ahead of an application and what reviewers and
applicants did lately (from the transitions). Counts use ix_applications_queue (state, kind,
queued_at) and ix_application_transitions_to_at (to_state, at)."""

import uuid
from datetime import datetime

from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from certification.applications.models import Application, ApplicationTransition

QUEUED = ("submitted", "resubmitted")
# A reviewer's output: a decision, or a return for supplements.
DECISIONS = ("certified", "refused", "returned")
RECENT_RESUBMISSIONS = 200


class EstimateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ahead_of(self, kind: str, application_id: uuid.UUID, queued_at: datetime) -> int:
        """Applications of `kind` a reviewer takes before this one: those in review, and the
        queued ones that joined the queue earlier (ties by id, as the queue orders them)."""
        earlier = tuple_(Application.queued_at, Application.id) < tuple_(queued_at, application_id)
        statement = (
            select(func.count())
            .select_from(Application)
            .where(
                Application.kind == kind,
                or_(
                    Application.state == "in_review",
                    and_(Application.state.in_(QUEUED), earlier),
                ),
            )
        )
        return int(await self.session.scalar(statement) or 0)

    async def waiting(self, kind: str) -> int:
        """Applications of `kind` queued or in review (all of them are ahead of one that has
        not joined the queue yet)."""
        statement = (
            select(func.count())
            .select_from(Application)
            .where(Application.kind == kind, Application.state.in_((*QUEUED, "in_review")))
        )
        return int(await self.session.scalar(statement) or 0)

    async def decisions(self, kind: str, since: datetime, until: datetime) -> int:
        """Reviewers' decisions (and returns) on applications of `kind` in [since, until)."""
        statement = (
            select(func.count())
            .select_from(ApplicationTransition)
            .join(Application, Application.id == ApplicationTransition.application_id)
            .where(
                ApplicationTransition.to_state.in_(DECISIONS),
                ApplicationTransition.at >= since,
                ApplicationTransition.at < until,
                Application.kind == kind,
            )
        )
        return int(await self.session.scalar(statement) or 0)

    async def resubmissions(
        self, kind: str, since: datetime, until: datetime
    ) -> list[tuple[datetime, datetime]]:
        """(returned at, resubmitted at) of the latest resubmissions of `kind` in [since,
        until), each with the return it answered."""
        returned = aliased(ApplicationTransition)
        returned_at = (
            select(func.max(returned.at))
            .where(
                returned.application_id == ApplicationTransition.application_id,
                returned.to_state == "returned",
                returned.at <= ApplicationTransition.at,
            )
            .scalar_subquery()
        )
        statement = (
            select(returned_at, ApplicationTransition.at)
            .join(Application, Application.id == ApplicationTransition.application_id)
            .where(
                ApplicationTransition.to_state == "resubmitted",
                ApplicationTransition.at >= since,
                ApplicationTransition.at < until,
                Application.kind == kind,
            )
            .order_by(ApplicationTransition.at.desc())
            .limit(RECENT_RESUBMISSIONS)
        )
        rows = (await self.session.execute(statement)).all()
        return [(row[0], row[1]) for row in rows if row[0] is not None]
