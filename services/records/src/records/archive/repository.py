"""All SQL of the student's archive: the combined list over the three kinds, one owned record,
and the institution with its successor."""

import uuid
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, and_, bindparam, literal, null, or_, select, union_all
from sqlalchemy.dialects.postgresql import UUID
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


def _owned(model: Any, kind: RecordKind, owner: Any, level: Any, day: Any, status: Any) -> Any:
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
    ).where(model.owner_id == owner)


# Built once: composing the union and its aliases costs more than running it.
_issuer = aliased(Institution, name="issuer")
_successor = aliased(Institution, name="successor")


@lru_cache(maxsize=2)
def _entries_statement(after_cursor: bool) -> Any:
    """The combined page query over the three kinds, with bound parameters `owner_id`,
    `limit` and (after a cursor) `after_at`, `after_id`."""
    owner = bindparam("owner_id", type_=UUID(as_uuid=True))
    s, q, d = StudentStatusRecord, QualificationRecord, DegreeRecord
    combined = union_all(
        _owned(s, RecordKind.STUDENT_STATUS, owner, s.level, s.enrollment_date, s.status),
        _owned(q, RecordKind.QUALIFICATION, owner, q.level, q.graduation_date, q.conclusion),
        _owned(d, RecordKind.DEGREE, owner, d.degree_level, d.conferred_date, null()),
    ).subquery("entries")
    statement = (
        select(
            combined,
            _issuer.name_zh,
            _issuer.name_en,
            _issuer.status.label("institution_status"),
            _successor.id.label("successor_id"),
            _successor.name_zh.label("successor_name_zh"),
            _successor.name_en.label("successor_name_en"),
        )
        .join(_issuer, _issuer.id == combined.c.institution_id)
        .outerjoin(_successor, _successor.id == _issuer.successor_id)
    )
    if after_cursor:
        after_at = bindparam("after_at", type_=combined.c.created_at.type)
        after_id = bindparam("after_id", type_=UUID(as_uuid=True))
        statement = statement.where(
            or_(
                combined.c.created_at < after_at,
                and_(combined.c.created_at == after_at, combined.c.id < after_id),
            )
        )
    return statement.order_by(combined.c.created_at.desc(), combined.c.id.desc()).limit(
        bindparam("limit", type_=Integer)
    )


class ArchiveRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def entries(
        self, owner_id: uuid.UUID, params: PageParams
    ) -> tuple[list[Any], Cursor | None]:
        """One page of the account's records of all kinds, newest first, with institutions."""
        values: dict[str, Any] = {"owner_id": owner_id, "limit": params.limit + 1}
        if params.cursor is not None:
            values.update(after_at=params.cursor.created_at, after_id=uuid.UUID(params.cursor.id))
        statement = _entries_statement(params.cursor is not None)
        rows = list((await self.session.execute(statement, values)).all())
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

    async def record_with_institution(
        self, kind: RecordKind, record_id: uuid.UUID, *, owner_id: uuid.UUID | None
    ) -> tuple[RecordModel, Institution, Institution | None] | None:
        """`record` with its institution and that one's successor, in one query."""
        model: Any = MODELS[kind.value]
        statement = (
            select(model, Institution, _successor)
            .join(Institution, Institution.id == model.institution_id)
            .outerjoin(_successor, _successor.id == Institution.successor_id)
            .where(model.id == record_id)
        )
        if owner_id is not None:
            statement = statement.where(model.owner_id == owner_id)
        row = (await self.session.execute(statement)).one_or_none()
        return (row[0], row[1], row[2]) if row is not None else None
