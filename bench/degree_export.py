"""Degree application round export benchmark: a round of 20,000 applications (each with its
snapshot and six material rows) exported to XLSX through the route's own code path
(`ApplicationRepository.export_rows` streamed into `write_export`, openpyxl write-only).

Run:  .venv/bin/python bench/degree_export.py [--applications 20000]
Migrates records into a throwaway database (`educert_benchdeg_records`, dropped at the end).
The export runs in a child process so its peak RSS (ru_maxrss) is the export's alone, beside
the RSS before the export and tracemalloc's peak of Python allocations during it.
Results: stdout and bench/results/degree_export.json.
"""

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

PREFIX = "educert_benchdeg_"
os.environ.update({"EDUCERT_DATABASE_PREFIX": PREFIX, "EDUCERT_ENVIRONMENT": "test"})

from educert_common.db import Database, drop_database  # noqa: E402
from records.config import RecordsSettings  # noqa: E402

RESULTS = Path(__file__).parent / "results"
INSTITUTION = "4122000001"
SLOTS = ("id_card_front", "id_card_back", "diploma_scan", "language_proof", "registration_form",
         "photo")  # fmt: skip
STATUSES = ("submitted", "returned", "approved", "confirmed", "disqualified", "draft")


def _database() -> Database:
    return Database.connect(RecordsSettings().resolved_database_url(), pool_size=2)


async def populate(count: int) -> str:
    """An institution, one round and `count` applications with six file rows each."""
    from sqlalchemy import Table, insert, text

    from records.degreeapps.models import DegreeApplication, DegreeApplicationFile
    from records.rounds.models import DegreeRound

    rounds, applications_table, files_table = (
        cast(Table, model.__table__)
        for model in (DegreeRound, DegreeApplication, DegreeApplicationFile)
    )
    database = _database()
    now = datetime.now(UTC)
    round_id = uuid.uuid4()
    async with database.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO institutions (id, name_zh, name_en, province, kind, status, "
                "created_at, updated_at, updated_by) VALUES (:id, '基准大学', 'Bench U', "
                "'北京市', 'undergraduate', 'active', now(), now(), 'bench') "
                "ON CONFLICT (id) DO NOTHING"
            ),
            {"id": INSTITUTION},
        )
        await session.execute(
            insert(rounds).values(
                id=round_id, institution_id=INSTITUTION, title="2026 年上学士学位申请",
                opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30),
                level="bachelor", education_type="adult", required_materials=list(SLOTS),
                created_by="bench", created_at=now, updated_at=now,
            )
        )  # fmt: skip
    batch = 2000
    for start in range(0, count, batch):
        applications, files = [], []
        for i in range(start, min(start + batch, count)):
            application_id = uuid.uuid4()
            status = STATUSES[i % len(STATUSES)]
            applications.append({
                "id": application_id, "round_id": round_id, "institution_id": INSTITUTION,
                "applicant_id": uuid.uuid4(), "record_kind": "qualification",
                "record_id": uuid.uuid4(), "record_version": 1,
                "snapshot": {
                    "name": f"学生{i:06d}", "gender": "male", "gender_zh": "男",
                    "birth_date": "2000-01-01", "id_number": "110***********1234",
                    "student_number": f"S{i:08d}", "major": "计算机科学与技术",
                    "level": "bachelor", "level_zh": "本科", "education_type": "adult",
                    "education_type_zh": "成人", "study_form": "", "study_form_zh": "",
                    "enrollment_date": "2019-09-01",
                    "certificate_number": f"10001120230{i:07d}", "graduation_date": "2023-06-30",
                    "conclusion": "graduated",
                },
                "status": status, "return_reasons": (
                    [{"field": "diploma_scan", "reason": "扫描件不清晰"}]
                    if status == "returned" else []
                ),
                "submitted_at": now, "approved_at": now if status == "confirmed" else None,
                "confirmed_at": now if status == "confirmed" else None,
                "receipt_code": f"{i:016d}" if status == "confirmed" else None,
                "disqualified_reason": "伪造证件" if status == "disqualified" else None,
                "created_at": now + timedelta(microseconds=i), "updated_at": now,
            })  # fmt: skip
            for slot in SLOTS:
                files.append({
                    "id": uuid.uuid4(), "application_id": application_id, "slot": slot,
                    "version": 1, "file_key": "0" * 64, "sha256": "0" * 64, "kind": "jpeg",
                    "media_type": "image/jpeg", "size": 200_000, "pages": None, "width": 1000,
                    "height": 700, "filename": f"{slot}.jpg", "uploaded_at": now,
                })  # fmt: skip
        async with database.transaction() as session:
            await session.execute(insert(applications_table), applications)
            await session.execute(insert(files_table), files)
    await database.dispose()
    return str(round_id)


async def child_export(round_id: str, target: Path, traced: bool) -> dict[str, Any]:
    """Export the round as the route does: time and peak RSS, or (traced, a second process:
    tracing slows the export) tracemalloc's peak of Python allocations."""
    from records.degreeapps.documents import write_export
    from records.degreeapps.repository import ApplicationRepository

    database = _database()
    async with database.transaction() as session:  # warm the pool and the imports
        await session.execute(__import__("sqlalchemy").text("SELECT 1"))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    async with database.transaction() as session:
        written = await write_export(
            ApplicationRepository(session).export_rows(uuid.UUID(round_id)), SLOTS, target
        )
    seconds = time.perf_counter() - started
    size = (await asyncio.to_thread(target.stat)).st_size
    await database.dispose()
    if traced:
        _, peak = tracemalloc.get_traced_memory()
        return {"tracemalloc_peak_mb": round(peak / 1e6, 1)}
    return {
        "applications": written,
        "seconds": round(seconds, 2),
        "rows_per_second": round(written / seconds),
        "xlsx_mb": round(size / 1e6, 2),
        "rss_before_mb": round(rss_before, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_child(round_id: str, target: Path, mode: str) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", round_id, str(target), mode],
        check=True, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        round_id, target, traced = args.child
        print(json.dumps(asyncio.run(child_export(round_id, Path(target), traced == "traced"))))
        return
    subprocess.run(
        [str(Path(sys.executable).parent / "educert-migrate"), "records"],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    work = Path(tempfile.mkdtemp(prefix="degree-export-"))
    try:
        started = time.perf_counter()
        round_id = asyncio.run(populate(args.applications))
        print(
            f"populated {args.applications} applications in {time.perf_counter() - started:.1f} s"
        )
        result = run_child(round_id, work / "round.xlsx", "plain")
        result |= run_child(round_id, work / "traced.xlsx", "traced")
        print(f"export: {result}")
        results = {**result, "cpu_count": os.cpu_count(), "load_average": os.getloadavg()}
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "degree_export.json").write_text(json.dumps(results, indent=2) + "\n")
    finally:
        for path in work.glob("*"):
            path.unlink()
        work.rmdir()
        asyncio.run(drop_database(RecordsSettings().resolved_database_url()))


if __name__ == "__main__":
    main()
