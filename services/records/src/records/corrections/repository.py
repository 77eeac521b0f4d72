"""All SQL about correction requests and their evidence files."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select

from educert_common.repository import Repository
from records.academic.rules import RecordKind
from records.corrections.models import Correction, CorrectionEvidence


class CorrectionRepository(Repository[Correction]):
    model = Correction

    async def open_for(self, kind: RecordKind, record_id: uuid.UUID) -> Correction | None:
        statement = select(Correction).where(
            Correction.kind == kind.value,
            Correction.record_id == record_id,
            Correction.status == "open",
        )
        return await self.scalar_one_or_none(statement)

    async def by_id(
        self,
        correction_id: uuid.UUID,
        *,
        user_id: uuid.UUID | None = None,
        institution_id: str | None = None,
        lock: bool = False,
    ) -> Correction | None:
        """A request by id, scoped to its student or its institution (neither: operators)."""
        statement = select(Correction).where(Correction.id == correction_id)
        if user_id is not None:
            statement = statement.where(Correction.user_id == user_id)
        if institution_id is not None:
            statement = statement.where(Correction.institution_id == institution_id)
        if lock:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return await self.scalar_one_or_none(statement)

    def queue(self, institution_id: str | None, status: str | None) -> Select[Any]:
        statement = select(Correction)
        if institution_id is not None:
            statement = statement.where(Correction.institution_id == institution_id)
        if status is not None:
            statement = statement.where(Correction.status == status)
        return statement

    def of_user(self, user_id: uuid.UUID) -> Select[Any]:
        return select(Correction).where(Correction.user_id == user_id)

    async def evidence(self, correction_id: uuid.UUID) -> Sequence[CorrectionEvidence]:
        statement = (
            select(CorrectionEvidence)
            .where(CorrectionEvidence.correction_id == correction_id)
            .order_by(CorrectionEvidence.position)
        )
        return list((await self.session.execute(statement)).scalars())

    async def evidence_file(
        self, correction_id: uuid.UUID, evidence_id: uuid.UUID
    ) -> CorrectionEvidence | None:
        statement = select(CorrectionEvidence).where(
            CorrectionEvidence.correction_id == correction_id,
            CorrectionEvidence.id == evidence_id,
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def add_item(self, item: object) -> None:
        self.session.add(item)
        await self.session.flush()
