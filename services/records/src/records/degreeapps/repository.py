"""All SQL of degree applications: applications, their file versions, and the export's
streamed rows (rounds are `records.rounds`)."""

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import func, select

from educert_common.http.pagination import Page, PageParams
from educert_common.repository import Repository
from records.degreeapps.models import DegreeApplication, DegreeApplicationFile

EXPORT_BATCH = 1000


class ApplicationRepository(Repository[DegreeApplication]):
    model = DegreeApplication

    async def owned(
        self, application_id: uuid.UUID, applicant_id: uuid.UUID, *, for_update: bool = False
    ) -> DegreeApplication | None:
        statement = select(DegreeApplication).where(
            DegreeApplication.id == application_id,
            DegreeApplication.applicant_id == applicant_id,
        )
        if for_update:
            statement = statement.with_for_update()
        return await self.scalar_one_or_none(statement)

    async def of_institution(
        self, application_id: uuid.UUID, institution_id: str | None, *, for_update: bool = False
    ) -> DegreeApplication | None:
        statement = select(DegreeApplication).where(DegreeApplication.id == application_id)
        if institution_id is not None:
            statement = statement.where(DegreeApplication.institution_id == institution_id)
        if for_update:
            statement = statement.with_for_update()
        return await self.scalar_one_or_none(statement)

    async def in_round(self, round_id: uuid.UUID, applicant_id: uuid.UUID) -> uuid.UUID | None:
        return await self.session.scalar(
            select(DegreeApplication.id).where(
                DegreeApplication.round_id == round_id,
                DegreeApplication.applicant_id == applicant_id,
            )
        )

    async def page_of_applicant(self, applicant_id: uuid.UUID, params: PageParams) -> Page[Any]:
        return await self.paginate(
            select(DegreeApplication).where(DegreeApplication.applicant_id == applicant_id),
            params,
        )

    async def page_of_round(
        self, round_id: uuid.UUID, status: str | None, params: PageParams
    ) -> Page[Any]:
        statement = select(DegreeApplication).where(DegreeApplication.round_id == round_id)
        if status is not None:
            statement = statement.where(DegreeApplication.status == status)
        return await self.paginate(statement, params)

    async def by_receipt(self, code: str, institution_id: str | None) -> DegreeApplication | None:
        statement = select(DegreeApplication).where(DegreeApplication.receipt_code == code)
        if institution_id is not None:
            statement = statement.where(DegreeApplication.institution_id == institution_id)
        return await self.scalar_one_or_none(statement)

    async def export_rows(self, round_id: uuid.UUID) -> AsyncIterator[Sequence[Any]]:
        """The round's applications with the slots they hold, in batches, from a server-side
        cursor: the whole round is never in memory."""
        slots = (
            select(func.string_agg(func.distinct(DegreeApplicationFile.slot), ","))
            .where(DegreeApplicationFile.application_id == DegreeApplication.id)
            .scalar_subquery()
        )
        statement = (
            select(
                DegreeApplication.snapshot,
                DegreeApplication.status,
                DegreeApplication.registration_report_code,
                DegreeApplication.submitted_at,
                DegreeApplication.approved_at,
                DegreeApplication.confirmed_at,
                DegreeApplication.receipt_code,
                DegreeApplication.disqualified_reason,
                DegreeApplication.return_reasons,
                slots.label("slots"),
            )
            .where(DegreeApplication.round_id == round_id)
            .order_by(DegreeApplication.created_at, DegreeApplication.id)
            .execution_options(yield_per=EXPORT_BATCH)
        )
        result = await self.session.stream(statement)
        async for batch in result.partitions(EXPORT_BATCH):
            yield batch


class FileRepository(Repository[DegreeApplicationFile]):
    model = DegreeApplicationFile

    async def current(self, application_id: uuid.UUID) -> list[DegreeApplicationFile]:
        """The newest version of each slot."""
        rows = await self.scalars(
            select(DegreeApplicationFile)
            .where(DegreeApplicationFile.application_id == application_id)
            .distinct(DegreeApplicationFile.slot)
            .order_by(DegreeApplicationFile.slot, DegreeApplicationFile.version.desc())
        )
        return list(rows)

    async def next_version(self, application_id: uuid.UUID, slot: str) -> int:
        latest = await self.session.scalar(
            select(func.max(DegreeApplicationFile.version)).where(
                DegreeApplicationFile.application_id == application_id,
                DegreeApplicationFile.slot == slot,
            )
        )
        return (latest or 0) + 1
