"""All SQL of the student's archive: the combined list over the three kinds, one owned record,
and the institution with its successor."""

import uuid
from typing import Any

from sqlalchemy import and_, literal, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from educert_common.http.pagination import Cursor, PageParams
from records.academic.models import (
    MODELS,
    DegreeRecord,
    QualificationRecord,
    RecordModel,
    StudentStatusRecord,
)
from records.academic.rules import RecordKind
from records.institutions.models import Institution


def _owned(model: Any, kind: RecordKind, owner_id: uuid.UUID, level: Any, day: Any, status: Any):  # type: ignore[no-untyped-def]
    return select(
        literal(kind.value).label("kind"),
        model.id.label("id"),
        model.created_at.label("created_at"),
        model.institution_id.label("institution_id"),
        model.student_number.label("student_number"),
        model.major.label("major"),
        level.label("level"),
        day.label("date"),
        status.label("record_status"),
        model.bound_via.label("bound_via"),
        model.bound_at.label("bound_at"),
    ).where(model.owner_id == owner_id)


class ArchiveRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def entries(
        self, owner_id: uuid.UUID, params: PageParams
    ) -> tuple[list[Any], Cursor | None]:
        """One page of the account's records of all kinds, newest first, with institutions."""
        s, q, d = StudentStatusRecord, QualificationRecord, DegreeRecord
        combined = union_all(
            _owned(s, RecordKind.STUDENT_STATUS, owner_id, s.level, s.enrollment_date, s.status),
            _owned(q, RecordKind.QUALIFICATION, owner_id, q.level, q.graduation_date, q.conclusion),
            _owned(d, RecordKind.DEGREE, owner_id, d.degree_level, d.conferred_date, null()),
        ).subquery("entries")
        issuer = aliased(Institution, name="issuer")
        successor = aliased(Institution, name="successor")
        statement = (
            select(
                combined,
                issuer.name_zh,
                issuer.name_en,
                issuer.status.label("institution_status"),
                successor.id.label("successor_id"),
                successor.name_zh.label("successor_name_zh"),
                successor.name_en.label("successor_name_en"),
            )
            .join(issuer, issuer.id == combined.c.institution_id)
            .outerjoin(successor, successor.id == issuer.successor_id)
        )
        if params.cursor is not None:
            after = params.cursor
            statement = statement.where(
                or_(
                    combined.c.created_at < after.created_at,
                    and_(
                        combined.c.created_at == after.created_at,
                        combined.c.id < uuid.UUID(after.id),
                    ),
                )
            )
        statement = statement.order_by(combined.c.created_at.desc(), combined.c.id.desc()).limit(
            params.limit + 1
        )
        rows = list((await self.session.execute(statement)).all())
        cursor = None
        if len(rows) > params.limit:
            rows = rows[: params.limit]
            cursor = Cursor(rows[-1].created_at, str(rows[-1].id))
        return rows, cursor

    async def record(
        self, kind: RecordKind, record_id: uuid.UUID, *, owner_id: uuid.UUID | None
    ) -> RecordModel | None:
        """A record by id, only if the account owns it (None: any record, for operators)."""
        model: Any = MODELS[kind.value]
        statement = select(model).where(model.id == record_id)
        if owner_id is not None:
            statement = statement.where(model.owner_id == owner_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def institution(self, institution_id: str) -> tuple[Institution, Institution | None]:
        """The institution and, if it merged, its successor."""
        successor = aliased(Institution, name="successor")
        statement = (
            select(Institution, successor)
            .outerjoin(successor, successor.id == Institution.successor_id)
            .where(Institution.id == institution_id)
        )
        row = (await self.session.execute(statement)).one()
        return row[0], row[1]
