"""All SQL about reported records, their versions and status history."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select

from educert_common.repository import Repository
from records.academic.models import (
    MODELS,
    DegreeRecord,
    QualificationRecord,
    RecordModel,
    RecordVersion,
    StatusChange,
)
from records.academic.rules import RecordKind
from records.institutions.models import Institution


class RecordRepository:
    """Queries over one kind of record; every one a caller asked for names the institution
    or the owner, so scoping happens here and not after the fact."""

    def __init__(self, session: Any, kind: RecordKind) -> None:
        self.session = session
        self.kind = kind
        self.model: Any = MODELS[kind.value]
        self._base = Repository[Any](session)
        self._base.model = self.model

    async def by_student_number(
        self, institution_id: str, student_number: str, *, lock: bool = False
    ) -> RecordModel | None:
        statement = select(self.model).where(
            self.model.institution_id == institution_id,
            self.model.student_number == student_number,
        )
        if lock:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def by_id(
        self, record_id: uuid.UUID, *, institution_id: str | None
    ) -> RecordModel | None:
        """A record by id, within one institution (None: any, for operators)."""
        statement = select(self.model).where(self.model.id == record_id)
        if institution_id is not None:
            statement = statement.where(self.model.institution_id == institution_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def holders_of_certificate(
        self, key: str
    ) -> Sequence[QualificationRecord | DegreeRecord]:
        """Records of this kind with the certificate key, at any institution."""
        statement = select(self.model).where(self.model.certificate_key == key)
        return list((await self.session.execute(statement)).scalars())

    def listing(
        self,
        institution_id: str | None,
        *,
        student_number: str | None = None,
        id_number_hash: str | None = None,
        status: str | None = None,
    ) -> Select[Any]:
        statement = select(self.model)
        if institution_id is not None:
            statement = statement.where(self.model.institution_id == institution_id)
        if student_number is not None:
            statement = statement.where(self.model.student_number == student_number)
        if id_number_hash is not None:
            statement = statement.where(self.model.id_number_hash == id_number_hash)
        if status is not None and self.kind == RecordKind.STUDENT_STATUS:
            statement = statement.where(self.model.status == status)
        return statement

    async def paginate(self, statement: Select[Any], params: Any) -> Any:
        return await self._base.paginate(statement, params)

    async def versions(self, record_id: uuid.UUID) -> Sequence[RecordVersion]:
        statement = (
            select(RecordVersion)
            .where(RecordVersion.kind == self.kind.value, RecordVersion.record_id == record_id)
            .order_by(RecordVersion.version.desc())
        )
        return list((await self.session.execute(statement)).scalars())

    async def status_changes(self, record_id: uuid.UUID) -> Sequence[StatusChange]:
        statement = (
            select(StatusChange)
            .where(StatusChange.record_id == record_id)
            .order_by(StatusChange.effective_on, StatusChange.version)
        )
        return list((await self.session.execute(statement)).scalars())

    async def add(self, item: Any) -> None:
        self.session.add(item)
        await self.session.flush()


async def merged_school_codes(session: Any, institution_id: str) -> frozenset[str]:
    """School codes whose certificates an institution may report: its own and those of the
    institutions merged into it."""
    rows = await session.execute(
        select(Institution.id).where(Institution.successor_id == institution_id)
    )
    return frozenset({institution_id[-5:], *(code[-5:] for code in rows.scalars())})


__all__ = ["DegreeRecord", "QualificationRecord", "RecordRepository", "merged_school_codes"]
