"""All SQL of degree application rounds, and the account's bound records at an institution
(whom a round takes)."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.http.pagination import Page, PageParams
from educert_common.repository import Repository
from records.academic.models import QualificationRecord, RecordModel, StudentStatusRecord
from records.rounds.models import DegreeRound


class RoundRepository(Repository[DegreeRound]):
    model = DegreeRound

    async def of_institution(
        self, round_id: uuid.UUID, institution_id: str | None
    ) -> DegreeRound | None:
        """A round by id, only within `institution_id` (None: any, for operators)."""
        statement = select(DegreeRound).where(DegreeRound.id == round_id)
        if institution_id is not None:
            statement = statement.where(DegreeRound.institution_id == institution_id)
        return await self.scalar_one_or_none(statement)

    async def page_of(self, institution_id: str, params: PageParams) -> Page[Any]:
        return await self.paginate(
            select(DegreeRound).where(DegreeRound.institution_id == institution_id), params
        )

    async def open_at(self, institution_ids: Sequence[str], now: datetime) -> Sequence[DegreeRound]:
        return await self.scalars(
            select(DegreeRound)
            .where(
                DegreeRound.institution_id.in_(list(institution_ids)),
                DegreeRound.opens_at <= now,
                DegreeRound.closes_at > now,
            )
            .order_by(DegreeRound.closes_at)
        )


async def bound_records(
    session: AsyncSession, owner_id: uuid.UUID, institution_id: str
) -> list[RecordModel]:
    """The account's qualifications, then student-status records, at one institution."""
    found: list[RecordModel] = []
    model: Any
    for model in (QualificationRecord, StudentStatusRecord):
        rows = await session.execute(
            select(model)
            .where(model.owner_id == owner_id, model.institution_id == institution_id)
            .order_by(model.created_at.desc())
        )
        found.extend(rows.scalars().all())
    return found


async def bound_institutions(session: AsyncSession, owner_id: uuid.UUID) -> list[str]:
    """Institutions where the account has a qualification or a student-status record."""
    ids: set[str] = set()
    model: Any
    for model in (QualificationRecord, StudentStatusRecord):
        rows = await session.execute(
            select(model.institution_id).where(model.owner_id == owner_id).distinct()
        )
        ids.update(rows.scalars().all())
    return sorted(ids)
