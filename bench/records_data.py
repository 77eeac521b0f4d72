"""Bulk data for the records benchmarks: one institution, unrelated records of the three kinds
and the records of chosen people, written with COPY (asyncpg) straight into records' tables.

Used by bench/records_binding.py and bench/records_archive.py; not a benchmark itself.
"""

import hashlib
import os
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from educert_common.testing.people import Person, person

INSTITUTION = "4199000001"
RNG = random.Random(20261202)
COMMON = (
    "id",
    "institution_id",
    "student_number",
    "name",
    "gender",
    "birth_date",
    "id_type",
    "id_number_encrypted",
    "id_number_hash",
    "owner_id",
    "bound_at",
    "bound_via",
    "version",
    "content_hash",
    "created_at",
    "updated_at",
    "updated_by",
)
KIND_COLUMNS = {
    "student_status_records": (
        "major", "level", "study_form", "education_type", "enrollment_date", "study_years",
        "status", "status_date",
    ),
    "qualification_records": (
        "certificate_number", "certificate_key", "major", "level", "enrollment_date",
        "graduation_date", "conclusion",
    ),
    "degree_records": (
        "certificate_number", "certificate_key", "degree_level", "discipline", "major",
        "awarding_institution_id", "conferred_date",
    ),
}  # fmt: skip
KIND_OF_TABLE = {
    "student_status_records": "student_status",
    "qualification_records": "qualification",
    "degree_records": "degree",
}


@dataclass
class Holder:
    """A person whose records are in the tables, and the account that owns them (if bound)."""

    who: Person
    id_hash: str
    user_id: uuid.UUID
    record_ids: dict[str, uuid.UUID]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def asyncpg_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _kind_values(table: str, n: int, serial: int) -> tuple[Any, ...]:
    if table == "student_status_records":
        return (
            "计算机科学与技术",
            "bachelor",
            "full_time",
            "regular",
            date(2019, 9, 1),
            4,
            "enrolled",
            date(2019, 9, 1),
        )
    number = f"{INSTITUTION[-5:]}1{2010 + serial % 13}05{n:06d}"
    if table == "qualification_records":
        return (
            number,
            number,
            "计算机科学与技术",
            "bachelor",
            date(2006 + serial % 13, 9, 1),
            date(2010 + serial % 13, 6, 30),
            "graduated",
        )
    return (
        f"D{number}",
        f"D{number}",
        "bachelor",
        "工学",
        "计算机科学与技术",
        INSTITUTION,
        date(2010 + serial % 13, 6, 30),
    )


async def populate(
    database_url: str,
    *,
    unrelated: int,
    holders: Sequence[Holder],
    bound: bool,
    seal: Any = None,
) -> None:
    """Write the institution, `unrelated` records (random people, a third per kind) and three
    records per holder (bound to the holder's account if `bound`). `seal(number)` encrypts ID
    numbers where the benchmark decrypts them (the archive's masked number); elsewhere random
    bytes stand in."""
    connection = await asyncpg.connect(asyncpg_url(database_url))
    try:
        await connection.execute(
            "INSERT INTO institutions (id, name_zh, name_en, province, kind, status, created_at,"
            " updated_at, updated_by) VALUES ($1, '基准大学', 'Benchmark University', '北京市',"
            " 'undergraduate', 'active', now(), now(), 'bench') ON CONFLICT DO NOTHING",
            INSTITUTION,
        )
        now = datetime.now(UTC)
        serial = 0
        for table, kind_columns in KIND_COLUMNS.items():
            rows: list[tuple[Any, ...]] = []
            for n in range(unrelated // 3):
                serial += 1
                stranger = person(RNG, born_after=date(1985, 1, 1))
                rows.append(
                    (
                        uuid.uuid4(),
                        INSTITUTION,
                        f"U{serial}",
                        stranger.name,
                        stranger.gender,
                        stranger.birth_date,
                        "resident_id",
                        os.urandom(40),
                        hashlib.sha256(stranger.id_number.encode()).hexdigest(),
                        None,
                        None,
                        None,
                        1,
                        os.urandom(32).hex(),
                        now - timedelta(seconds=serial),
                        now,
                        "bench",
                        *_kind_values(table, n, serial),
                    )
                )
            versions: list[tuple[Any, ...]] = []
            for index, holder in enumerate(holders):
                serial += 1
                record_id = uuid.uuid4()
                holder.record_ids[table] = record_id
                sealed = seal(holder.who.id_number) if seal else os.urandom(40)
                rows.append(
                    (
                        record_id,
                        INSTITUTION,
                        f"H{serial}",
                        holder.who.name,
                        holder.who.gender,
                        holder.who.birth_date,
                        "resident_id",
                        sealed,
                        holder.id_hash,
                        holder.user_id if bound else None,
                        now if bound else None,
                        "automatic" if bound else None,
                        1,
                        os.urandom(32).hex(),
                        now - timedelta(seconds=serial),
                        now,
                        "bench",
                        *_kind_values(table, unrelated + index, serial),
                    )
                )
                versions.append(
                    (
                        uuid.uuid4(),
                        KIND_OF_TABLE[table],
                        record_id,
                        1,
                        '{"major": "计算机科学与技术"}',
                        sealed,
                        "0" * 64,
                        "bench",
                        "新生注册",
                        "api",
                        now,
                    )
                )
            await connection.copy_records_to_table(
                table, records=rows, columns=[*COMMON, *kind_columns]
            )
            if bound and versions:
                await connection.copy_records_to_table(
                    "record_versions",
                    records=versions,
                    columns=[
                        "id",
                        "kind",
                        "record_id",
                        "version",
                        "facts",
                        "id_number_encrypted",
                        "content_hash",
                        "changed_by",
                        "reason",
                        "source",
                        "created_at",
                    ],
                )
            if bound and table == "student_status_records":
                await connection.copy_records_to_table(
                    "student_status_changes",
                    records=[
                        (uuid.uuid4(), h.record_ids[table], "enrolled", date(2019, 9, 1), 1, now)
                        for h in holders
                    ],
                    columns=["id", "record_id", "status", "effective_on", "version", "recorded_at"],
                )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


def holders(count: int, id_index: Any) -> list[Holder]:
    """`count` people born 1990-2000 with their keyed ID hash and a fresh account id."""
    result = []
    for _ in range(count):
        who = person(RNG, born_after=date(1990, 1, 1))
        while who.birth_date > date(2000, 12, 31):
            who = person(RNG, born_after=date(1990, 1, 1))
        result.append(Holder(who, id_index.of(who.id_number), uuid.uuid4(), {}))
    return result
