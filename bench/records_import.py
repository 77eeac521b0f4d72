"""Bulk import benchmark: student-status rows from CSV, end to end (parse, check, seal, stage,
merge with versions, status history and events), against raw asyncpg `copy_records_to_table`
of the same number of rows into the same table in the same run; XLSX rows/s; peak memory.

Run:  .venv/bin/python bench/records_import.py [--rows 1000000] [--xlsx-rows 100000]
Migrates records into a throwaway database (`educert_benchimp_records`, dropped at the end).
The import runs in a child process (the worker's own code, `process_next`), so its peak RSS is
the import's alone. Targets: import throughput >= 50% of raw COPY; peak RSS flat, < 300 MB
for 1M rows. Results: stdout and bench/results/records_import.json.
"""

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

PREFIX = "educert_benchimp_"
os.environ.update({"EDUCERT_DATABASE_PREFIX": PREFIX, "EDUCERT_ENVIRONMENT": "test"})

from educert_common.db import Database, drop_database  # noqa: E402
from records.config import RecordsSettings  # noqa: E402

RESULTS = Path(__file__).parent / "results"
INSTITUTION = "4111{:06d}"


async def add_institution(database: Database, code: str) -> None:
    from sqlalchemy import text

    async with database.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO institutions (id, name_zh, name_en, province, kind, status, "
                "created_at, updated_at, updated_by) VALUES (:id, :n, :n, '北京市', "
                "'undergraduate', 'active', now(), now(), 'bench') ON CONFLICT (id) DO NOTHING"
            ),
            {"id": code, "n": f"基准大学{code[-4:]}"},
        )


async def child_import(path: Path, code: str, storage: Path, processes: int) -> dict[str, Any]:
    """Import one file the way the worker does; report its time and this process's peak RSS."""
    from educert_common.events.outbox import Outbox
    from records.base import messaging
    from records.imports import service
    from records.imports.schemas import ImportMode
    from records.imports.worker import process_next

    settings = RecordsSettings(
        storage_root=str(storage), import_max_bytes=2 * 1024**3, import_processes=processes
    )
    database = Database.connect(settings.resolved_database_url(), pool_size=4)
    await add_institution(database, code)
    part = service.imports_dir(settings) / f"{uuid.uuid4()}.part"
    shutil.copyfile(path, part)
    upload = service.Upload(part, part.stat().st_size, "0" * 64)
    started = time.perf_counter()
    async with database.transaction() as session:
        job = await service.create_job(
            session, settings, upload=upload, kind="student_status",
            mode=ImportMode.ALL_OR_NOTHING, institution_id=code, actor="bench",
        )  # fmt: skip
    runtime = SimpleNamespace(database=database, outbox=Outbox(messaging, source="records"))
    assert await process_next(runtime, settings)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    from sqlalchemy import text

    async with database.transaction() as session:
        row = (
            await session.execute(
                text("SELECT status, rows_read, records_created FROM import_jobs WHERE id = :j"),
                {"j": job.id},
            )
        ).one()
    await database.dispose()
    return {
        "status": row[0],
        "rows": row[1],
        "created": row[2],
        "seconds": round(seconds, 2),
        "rows_per_second": round(row[1] / seconds),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def uuid7() -> uuid.UUID:
    """A time-ordered id as the import's `uuidv7()` makes them (RFC 9562 version 7)."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    value = value & ~(0xF << 76) | 0x7 << 76
    return uuid.UUID(int=value & ~(0x3 << 62) | 0x2 << 62)


async def raw_copy(rows: int, code: str, batch: int = 50_000) -> dict[str, Any]:
    """COPY `rows` student-status rows straight into the table (tuples made outside the clock),
    with time-ordered ids as the import gives new records."""
    import hashlib
    from datetime import date
    from decimal import Decimal

    import asyncpg

    from educert_common.testing.people import person

    settings = RecordsSettings()
    database = Database.connect(settings.resolved_database_url(), pool_size=2)
    await add_institution(database, code)
    await database.dispose()
    url = settings.resolved_database_url().replace("postgresql+asyncpg", "postgresql")
    connection = await asyncpg.connect(url)
    columns = (
        "id", "institution_id", "student_number", "name", "gender", "birth_date", "id_type",
        "id_number_encrypted", "id_number_hash", "version", "content_hash", "created_at",
        "updated_at", "updated_by", "ethnicity", "major", "level", "study_form",
        "education_type", "enrollment_date", "study_years", "status", "status_date",
    )  # fmt: skip
    import random

    rng = random.Random(7)
    now = datetime.now(UTC)
    elapsed = 0.0
    done = 0
    while done < rows:
        records = []
        for index in range(done, min(rows, done + batch)):
            who = person(rng, born_after=date(1995, 1, 1))
            digest = hashlib.sha256(who.id_number.encode()).hexdigest()
            records.append((
                uuid7(), code, f"R{index:08d}", who.name, who.gender, who.birth_date,
                "resident_id", os.urandom(47), digest, 1, digest, now, now, "bench", "汉族",
                "计算机科学与技术", "bachelor", "full_time", "regular", date(2019, 9, 1),
                Decimal("4.0"), "enrolled", date(2019, 9, 1),
            ))  # fmt: skip
        started = time.perf_counter()
        await connection.copy_records_to_table(
            "student_status_records", records=records, columns=columns
        )
        elapsed += time.perf_counter() - started
        done += len(records)
    await connection.close()
    return {"rows": rows, "seconds": round(elapsed, 2), "rows_per_second": round(rows / elapsed)}


def run_child(path: Path, code: str, storage: Path, processes: int) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(path), code, str(storage), str(processes)],
        check=True, capture_output=True, text=True, timeout=7200,
    )  # fmt: skip
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument(
        "--processes", type=int, default=0, help="RECORDS_IMPORT_PROCESSES for the import"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        path, code, storage, processes = [*args.child, "0"][:4]
        result = asyncio.run(child_import(Path(path), code, Path(storage), int(processes)))
        print(json.dumps(result))
        return
    from records.imports.samples import student_status_rows, write_csv, write_xlsx

    work = Path(tempfile.mkdtemp(prefix="records-import-"))
    subprocess.run(
        [str(Path(sys.executable).parent / "educert-migrate"), "records"],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    try:
        started = time.perf_counter()
        csv_path = write_csv(work / "students.csv", student_status_rows(args.rows, seed=1))
        generated = time.perf_counter() - started
        print(f"generated {args.rows} rows ({csv_path.stat().st_size / 1e6:.0f} MB) "
              f"in {generated:.1f} s")  # fmt: skip
        csv_result = run_child(csv_path, INSTITUTION.format(1), work / "storage", args.processes)
        print(f"CSV import: {csv_result}")
        raw = asyncio.run(raw_copy(args.rows, INSTITUTION.format(2)))
        print(f"raw COPY: {raw}")
        again = run_child(csv_path, INSTITUTION.format(1), work / "storage", args.processes)
        print(f"the same file again (nothing changes): {again}")
        xlsx_path = write_xlsx(work / "students.xlsx", student_status_rows(args.xlsx_rows, seed=2))
        xlsx_result = run_child(xlsx_path, INSTITUTION.format(3), work / "storage", args.processes)
        print(f"XLSX import: {xlsx_result}")
        results = {
            "rows": args.rows,
            "csv_import": csv_result,
            "raw_copy": raw,
            "reimport_unchanged": again,
            "ratio_to_raw_copy": round(csv_result["rows_per_second"] / raw["rows_per_second"], 3),
            "xlsx_import": xlsx_result,
            "import_processes": args.processes,
            "cpu_count": os.cpu_count(),
            "load_average": os.getloadavg(),
        }
        print(f"import / raw COPY throughput: {results['ratio_to_raw_copy']:.1%}")
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "records_import.json").write_text(json.dumps(results, indent=2) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        asyncio.run(drop_database(RecordsSettings().resolved_database_url()))


if __name__ == "__main__":
    main()
