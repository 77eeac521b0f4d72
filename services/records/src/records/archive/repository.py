"""All SQL of the student's archive: the combined list over the three kinds and one record in
detail (raw statements: the archive is the students' busiest read), and an owned record as a
model (its photo)."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.http.pagination import Cursor, PageParams
from records.academic.models import MODELS, RecordModel
from records.academic.rules import RecordKind

# The combined page over the three kinds: $1 the owner, $2 the limit, then (after a cursor)
# $3 its time and $4 its id; newest first, ties by id. Tables: academic.models.
_ENTRIES = """
SELECT e.*, i.name_zh AS institution_name_zh, i.name_en AS institution_name_en,
       i.status AS institution_status,
       s.id AS successor_id, s.name_zh AS successor_name_zh, s.name_en AS successor_name_en
FROM (SELECT 'student_status' AS kind, id, created_at, institution_id, student_number, major,
             level, enrollment_date AS date, status AS record_status, bound_via, bound_at
      FROM student_status_records WHERE owner_id = $1
      UNION ALL
      SELECT 'qualification', id, created_at, institution_id, student_number, major,
             level, graduation_date, conclusion, bound_via, bound_at
      FROM qualification_records WHERE owner_id = $1
      UNION ALL
      SELECT 'degree', id, created_at, institution_id, student_number, major,
             degree_level, conferred_date, NULL, bound_via, bound_at
      FROM degree_records WHERE owner_id = $1) AS e
JOIN institutions AS i ON i.id = e.institution_id
LEFT JOIN institutions AS s ON s.id = i.successor_id
WHERE $3::timestamptz IS NULL OR (e.created_at, e.id) < ($3, $4::uuid)
ORDER BY e.created_at DESC, e.id DESC
LIMIT $2
"""

_STATUS_CHANGES = """ARRAY(SELECT ROW(c.status, c.effective_on, c.version, c.recorded_at)
             FROM student_status_changes AS c WHERE c.record_id = r.id
             ORDER BY c.effective_on, c.version)"""


def _detail_sql(kind: RecordKind) -> str:
    """One record ($1, of kind $3) with its institution and successor (`issuer_*`,
    `successor_*`), its versions newest first (`versions`: version, facts, sealed ID number,
    reason, source, created_at) and, for student status, its dated status changes
    (`changes`: status, effective_on, version, recorded_at); only if $2 owns it ($2 NULL: any
    record, for operators)."""
    table = MODELS[kind.value].__tablename__
    changes = _STATUS_CHANGES if kind == RecordKind.STUDENT_STATUS else "NULL"
    # Only the kind's table name and a constant are put in: no input reaches the text.
    return f"""
SELECT r.*,
       i.id AS issuer_id, i.name_zh AS issuer_name_zh, i.name_en AS issuer_name_en,
       i.status AS issuer_status,
       s.id AS successor_id, s.name_zh AS successor_name_zh, s.name_en AS successor_name_en,
       ARRAY(SELECT ROW(v.version, v.facts, v.id_number_encrypted, v.reason, v.source,
                        v.created_at)
             FROM record_versions AS v WHERE v.kind = $3 AND v.record_id = r.id
             ORDER BY v.version DESC) AS versions,
       {changes} AS changes
FROM {table} AS r
JOIN institutions AS i ON i.id = r.institution_id
LEFT JOIN institutions AS s ON s.id = i.successor_id
WHERE r.id = $1 AND ($2::uuid IS NULL OR r.owner_id = $2)
"""  # noqa: S608


_DETAIL = {kind: _detail_sql(kind) for kind in RecordKind}


class ArchiveReads:
    """The archive's two busiest reads (a student's list and one record in detail), each one
    statement on a raw asyncpg connection (`Database.raw`)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    async def entries(
        self, owner_id: uuid.UUID, params: PageParams
    ) -> tuple[list[Any], Cursor | None]:
        """One page of the account's records of all kinds, newest first, with institutions."""
        after = params.cursor
        rows = await self.connection.fetch(
            _ENTRIES,
            owner_id,
            params.limit + 1,
            after.created_at if after else None,
            uuid.UUID(after.id) if after else None,
        )
        cursor = None
        if len(rows) > params.limit:
            rows = rows[: params.limit]
            cursor = Cursor(rows[-1]["created_at"], str(rows[-1]["id"]))
        return rows, cursor

    async def detail(
        self, kind: RecordKind, record_id: uuid.UUID, *, owner_id: uuid.UUID | None
    ) -> Any:
        """The row of `_DETAIL`, only if the account owns the record (None: any record, for
        operators); None when there is no such record."""
        return await self.connection.fetchrow(_DETAIL[kind], record_id, owner_id, kind.value)


class ArchiveRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self, kind: RecordKind, record_id: uuid.UUID, *, owner_id: uuid.UUID | None
    ) -> RecordModel | None:
        """A record by id, only if the account owns it (None: any record, for operators)."""
        model: Any = MODELS[kind.value]
        statement = select(model).where(model.id == record_id)
        if owner_id is not None:
            statement = statement.where(model.owner_id == owner_id)
        return (await self.session.execute(statement)).scalar_one_or_none()
