# ruff: noqa: S608 -- table and column names below are constants of this module, never input.
"""The SQL of staging (a repository): temporary tables dropped at commit, the set-based checks
over a staged file, and the one merge of it into the kind's table."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.errors import Text
from records.academic.models import MODELS
from records.academic.rules import RecordKind
from records.imports.models import ImportJob
from records.imports.repository import raw_connection

STAGE = "import_stage"
MERGED = "import_merged"


class Staging:
    """The staging table of one file and the set-based statements over it."""

    def __init__(self, session: AsyncSession, kind: RecordKind, columns: Sequence[str]) -> None:
        self.session = session
        self.kind = kind
        self.columns = tuple(columns)
        self.table: str = MODELS[kind.value].__tablename__
        # Everything but the bookkeeping columns goes into the record's table.
        self.data_columns = tuple(c for c in self.columns if c not in ("row_number", "facts"))

    async def create(self) -> None:
        # The merge joins the staged file with its result (up to a million rows each): let the
        # hash joins stay in memory for this transaction instead of spilling to disk.
        await self._run("SET LOCAL work_mem = '256MB'")
        # Temporary tables live in the backend's own buffers (temp_buffers, 8 MB by default):
        # a staged file of 100k+ rows would go back and forth to disk through them. The size
        # can be set only before the connection's first temporary table: a pooled connection
        # that staged an import before keeps the size it had then.
        try:
            async with self.session.begin_nested():
                await self._run("SET LOCAL temp_buffers = '256MB'")
        except DBAPIError:
            pass
        record_columns = ", ".join(self.data_columns)
        await self._run(
            f"CREATE TEMP TABLE {STAGE} ON COMMIT DROP AS "
            f"SELECT {record_columns} FROM {self.table} WITH NO DATA"
        )
        await self._run(
            f"ALTER TABLE {STAGE} ADD COLUMN row_number integer, ADD COLUMN facts jsonb, "
            "ADD COLUMN old_status varchar(20)"
        )
        await self._run(
            f"CREATE TEMP TABLE {MERGED} (id uuid, student_number varchar(32), version integer, "
            "owner_id uuid) ON COMMIT DROP"
        )

    async def copy(self, rows: list[tuple[Any, ...]]) -> None:
        await (await raw_connection(self.session)).copy_records_to_table(
            STAGE, records=rows, columns=self.columns
        )

    async def analyse(self) -> None:
        # Temporary tables are never auto-analysed; the joins below need the row count.
        await self._run(f"CREATE INDEX ON {STAGE} (student_number)")
        await self._run(f"ANALYZE {STAGE}")

    async def reject(self, job_id: uuid.UUID, condition: str, field: str, code: str,
                     message: Text, **params: Any) -> int:  # fmt: skip
        """Move staged rows matching `condition` (SQL over alias s) to the error report."""
        result = await self._run(
            f"WITH gone AS (DELETE FROM {STAGE} s WHERE {condition} RETURNING s.row_number) "
            "INSERT INTO import_row_errors (job_id, row_number, field, code, message_en, "
            "message_zh) SELECT :job_id, row_number, :field, :code, :en, :zh FROM gone",
            job_id=job_id, field=field, code=code, en=message.en, zh=message.zh, **params,
        )  # fmt: skip
        return int(result.rowcount or 0)

    async def count(self) -> int:
        return int((await self._run(f"SELECT count(*) FROM {STAGE}")).scalar_one())

    async def drop_unchanged(self, institution_id: str) -> int:
        """Unstage rows whose record already has their facts (a repeated file locks and
        writes nothing); return how many."""
        result = await self._run(
            f"DELETE FROM {STAGE} s USING {self.table} r WHERE r.institution_id = "
            ":institution_id AND r.student_number = s.student_number "
            "AND r.content_hash = s.content_hash",
            institution_id=institution_id,
        )
        return int(result.rowcount or 0)

    async def capture_old_status(self, institution_id: str) -> None:
        """Note each existing record's status (locking it) so changes get a history row."""
        await self._run(
            f"WITH old AS (SELECT r.student_number, r.status FROM {self.table} r "
            f"JOIN {STAGE} s ON s.student_number = r.student_number "
            "WHERE r.institution_id = :institution_id FOR UPDATE OF r) "
            f"UPDATE {STAGE} s SET old_status = old.status FROM old "
            "WHERE s.student_number = old.student_number",
            institution_id=institution_id,
        )

    async def merge(self, institution_id: str, actor: str, now: datetime) -> tuple[int, int]:
        """Upsert every staged row whose facts differ; return (created, changed)."""
        columns = ", ".join(self.data_columns)
        selected = ", ".join(f"s.{c}" for c in self.data_columns)
        assignments = ", ".join(
            f"{c} = EXCLUDED.{c}" for c in self.data_columns if c != "student_number"
        )
        await self._run(
            f"WITH merged AS (INSERT INTO {self.table} AS r (id, institution_id, {columns}, "
            "version, created_at, updated_at, updated_by) "
            f"SELECT uuidv7(), :institution_id, {selected}, 1, :now, :now, :actor "
            f"FROM {STAGE} s "
            f"ON CONFLICT (institution_id, student_number) DO UPDATE SET {assignments}, "
            "version = r.version + 1, updated_at = EXCLUDED.updated_at, "
            "updated_by = EXCLUDED.updated_by "
            "WHERE r.content_hash IS DISTINCT FROM EXCLUDED.content_hash "
            "RETURNING r.id, r.student_number, r.version, r.owner_id) "
            f"INSERT INTO {MERGED} SELECT * FROM merged",
            institution_id=institution_id, actor=actor, now=now,
        )  # fmt: skip
        await self._run(f"ANALYZE {MERGED}")
        row = (
            await self._run(
                f"SELECT count(*) FILTER (WHERE version = 1), count(*) FILTER (WHERE version > 1) "
                f"FROM {MERGED}"
            )
        ).one()
        return int(row[0]), int(row[1])

    async def write_versions(self, actor: str, source: str, now: datetime) -> None:
        await self._run(
            "INSERT INTO record_versions (id, kind, record_id, version, facts, "
            "id_number_encrypted, content_hash, changed_by, reason, source, created_at) "
            "SELECT uuidv7(), :kind, m.id, m.version, s.facts, s.id_number_encrypted, "
            f"s.content_hash, :actor, NULL, :source, :now FROM {MERGED} m "
            f"JOIN {STAGE} s ON s.student_number = m.student_number",
            kind=self.kind.value, actor=actor, source=source, now=now,
        )  # fmt: skip

    async def write_status_changes(self, now: datetime) -> None:
        await self._run(
            "INSERT INTO student_status_changes (id, record_id, status, effective_on, version, "
            "recorded_at) SELECT uuidv7(), m.id, s.status, "
            "COALESCE(s.status_date, CAST(:today AS date)), m.version, :now "
            f"FROM {MERGED} m JOIN {STAGE} s ON s.student_number = m.student_number "
            "WHERE s.old_status IS DISTINCT FROM s.status",
            today=now.date(),
            now=now,
        )

    async def write_events(self, *, source: str, event_type: str, event_version: int,
                           correlation_id: str | None, institution_id: str,
                           job_id: uuid.UUID) -> None:  # fmt: skip
        """One outbox row per merged record, shaped exactly as `Outbox.envelope` shapes it."""
        await self._run(
            "INSERT INTO outbox_events (event_id, event_type, payload) "
            "SELECT e.event_id, CAST(:event_type AS text), jsonb_build_object("
            "'id', e.event_id, 'type', CAST(:event_type AS text), "
            "'version', CAST(:event_version AS integer), 'source', CAST(:source AS text), "
            "'occurred_at', to_char(clock_timestamp() AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
            "'correlation_id', CAST(:correlation_id AS text), 'subject', CAST(e.id AS text), "
            "'data', jsonb_build_object('record_id', CAST(e.id AS text), "
            "'kind', CAST(:kind AS text), 'institution_id', CAST(:institution_id AS text), "
            "'version', e.version, 'owner_id', CAST(e.owner_id AS text), "
            "'import_job_id', CAST(:job_id AS text))) "
            f"FROM (SELECT uuidv7() AS event_id, m.* FROM {MERGED} m) e",
            event_type=event_type, event_version=event_version, source=source,
            correlation_id=correlation_id, kind=self.kind.value,
            institution_id=institution_id, job_id=str(job_id),
        )  # fmt: skip

    async def _run(self, statement: str, **params: Any) -> Any:
        return await self.session.execute(sa.text(statement), params)


DUPLICATE_STUDENT = Text(
    "This student number appears on an earlier row of the file",
    "该学号在文件前面的行中已出现",
)
DUPLICATE_CERTIFICATE = Text(
    "This certificate number appears on an earlier row of the file",
    "该证书编号在文件前面的行中已出现",
)
HELD_ELSEWHERE = Text(
    "This certificate number belongs to another institution's record",
    "该证书编号属于其他院校的记录",
)
TAKEN = Text(
    "Another student's record already has this certificate number",
    "该证书编号已属于本校另一名学生的记录",
)


async def reject_in_sql(staging: "Staging", job: ImportJob) -> int:
    """Refuse staged rows only the whole file and the database can judge; return how many."""
    assert job.institution_id is not None
    rejected = await staging.reject(
        job.id,
        f"s.row_number IN (SELECT row_number FROM (SELECT row_number, row_number() OVER "
        f"(PARTITION BY student_number ORDER BY row_number) AS nth FROM {STAGE}) d "
        "WHERE d.nth > 1)",
        "student_number",
        "duplicate_in_file",
        DUPLICATE_STUDENT,
    )
    if staging.kind == RecordKind.STUDENT_STATUS:
        return rejected
    rejected += await staging.reject(
        job.id,
        f"s.row_number IN (SELECT row_number FROM (SELECT row_number, row_number() OVER "
        f"(PARTITION BY certificate_key ORDER BY row_number) AS nth FROM {STAGE}) d "
        "WHERE d.nth > 1)",
        "certificate_number",
        "duplicate_in_file",
        DUPLICATE_CERTIFICATE,
    )
    # As report_record does one by one: another institution's certificate is never taken
    # over, and within the institution a certificate stays with its student.
    rejected += await staging.reject(
        job.id,
        f"EXISTS (SELECT 1 FROM {staging.table} r WHERE r.certificate_key = s.certificate_key "
        "AND r.institution_id <> :institution_id)",
        "certificate_number",
        "record_owned_elsewhere",
        HELD_ELSEWHERE,
        institution_id=job.institution_id,
    )
    rejected += await staging.reject(
        job.id,
        f"EXISTS (SELECT 1 FROM {staging.table} r WHERE r.certificate_key = s.certificate_key "
        "AND r.institution_id = :institution_id AND r.student_number <> s.student_number)",
        "certificate_number",
        "certificate_number_taken",
        TAKEN,
        institution_id=job.institution_id,
    )
    return rejected


class InstitutionStaging:
    """The staged Ministry list and the statements that upsert institutions from it."""

    TABLE = "institution_stage"
    COLUMNS = ("row_number", "id", "name_zh", "name_en", "province", "city", "authority", "kind")

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self) -> None:
        await self._run(
            f"CREATE TEMP TABLE {self.TABLE} (row_number integer, id varchar(10), name_zh "
            "varchar(100), name_en varchar(200), province varchar(20), city varchar(40), "
            "authority varchar(60), kind varchar(20)) ON COMMIT DROP"
        )

    async def copy(self, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            await (await raw_connection(self.session)).copy_records_to_table(
                self.TABLE, records=rows, columns=self.COLUMNS
            )

    async def reject_duplicates(self, job_id: uuid.UUID, message: Text) -> int:
        result = await self._run(
            f"WITH gone AS (DELETE FROM {self.TABLE} s WHERE s.row_number IN (SELECT row_number "
            "FROM (SELECT row_number, row_number() OVER (PARTITION BY id ORDER BY row_number) "
            f"AS nth FROM {self.TABLE}) d WHERE d.nth > 1) RETURNING s.row_number) "
            "INSERT INTO import_row_errors (job_id, row_number, field, code, message_en, "
            "message_zh) SELECT :job_id, row_number, 'id', 'duplicate_in_file', :en, :zh "
            "FROM gone",
            job_id=job_id, en=message.en, zh=message.zh,
        )  # fmt: skip
        return int(result.rowcount or 0)

    async def update_existing(self, now: datetime, actor: str) -> int:
        """Institutions of the list that exist and differ (never their status); how many."""
        result = await self._run(
            "UPDATE institutions i SET name_zh = s.name_zh, "
            "name_en = COALESCE(s.name_en, i.name_en), province = s.province, "
            "city = COALESCE(s.city, i.city), authority = COALESCE(s.authority, i.authority), "
            f"kind = s.kind, updated_at = :now, updated_by = :actor FROM {self.TABLE} s "
            "WHERE i.id = s.id AND (i.name_zh, i.name_en, i.province, i.city, i.authority, "
            "i.kind) IS DISTINCT FROM (s.name_zh, COALESCE(s.name_en, i.name_en), s.province, "
            "COALESCE(s.city, i.city), COALESCE(s.authority, i.authority), s.kind)",
            now=now, actor=actor,
        )  # fmt: skip
        return int(result.rowcount or 0)

    async def insert_new(self, now: datetime, actor: str) -> int:
        """Institutions of the list not known yet, created active; how many."""
        result = await self._run(
            "INSERT INTO institutions (id, name_zh, name_en, province, city, authority, kind, "
            "status, created_at, updated_at, updated_by) SELECT s.id, s.name_zh, "
            "COALESCE(s.name_en, s.name_zh), s.province, s.city, s.authority, s.kind, 'active', "
            f":now, :now, :actor FROM {self.TABLE} s ON CONFLICT (id) DO NOTHING",
            now=now, actor=actor,
        )  # fmt: skip
        return int(result.rowcount or 0)

    async def _run(self, statement: str, **params: Any) -> Any:
        return await self.session.execute(sa.text(statement), params)
