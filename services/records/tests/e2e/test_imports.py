"""Bulk imports against a real records process, PostgreSQL and RabbitMQ: both modes, idempotent
re-imports, new versions, kill -9 mid-import, encodings, bad files, and who may see what."""

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from educert_common.events.catalogue import RecordReported
from educert_common.events.envelope import EventEnvelope
from educert_common.events.outbox import Outbox
from educert_common.testing.waiting import wait_until
from records.base import messaging
from records.imports.samples import (
    STUDENT_STATUS_HEADER,
    student_status_rows,
    write_csv,
)
from records.testing import RNG, Caller

LIMIT = 32 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def records_env() -> dict[str, str]:
    # A lower cap than production's 160 MiB, so the over-the-limit upload stays quick.
    return {"RECORDS_IMPORT_MAX_BYTES": str(LIMIT), "RECORDS_IMPORT_POLL_SECONDS": "0.2"}


def rows(count: int, **kwargs: Any) -> list[list[Any]]:
    return list(student_status_rows(count, seed=RNG.randrange(10**9), **kwargs))


def csv_bytes(data: list[list[Any]], *, header: tuple[str, ...] = STUDENT_STATUS_HEADER,
              encoding: str = "utf-8", tmp: Path) -> bytes:  # fmt: skip
    path = write_csv(tmp / f"{uuid.uuid4().hex}.csv", data, header=header, encoding=encoding)
    return path.read_bytes()


async def upload(caller: Caller, institution: str, content: bytes, headers: dict[str, str], *,
                 kind: str = "student_status", mode: str = "accept_valid",
                 media_type: str = "text/csv") -> Any:  # fmt: skip
    return await caller.http.post(
        f"{caller.stack.url}/institutions/{institution}/imports",
        params={"kind": kind, "mode": mode},
        content=content,
        headers={**headers, "Content-Type": media_type},
    )


async def finished(caller: Caller, job_id: str, headers: dict[str, str],
                   timeout: float = 60) -> dict[str, Any]:  # fmt: skip
    async def done() -> dict[str, Any] | None:
        response = await caller.http.get(f"{caller.stack.url}/imports/{job_id}", headers=headers)
        assert response.status_code == 200, response.text
        job = response.json()
        return job if job["status"] in ("completed", "rejected", "failed") else None

    return await wait_until(done, timeout=timeout, message=f"import {job_id} finished")


async def imported(caller: Caller, institution: str, content: bytes, headers: dict[str, str],
                   **kwargs: Any) -> dict[str, Any]:  # fmt: skip
    response = await upload(caller, institution, content, headers, **kwargs)
    assert response.status_code == 202, response.text
    return await finished(caller, response.json()["id"], headers)


async def errors_of(caller: Caller, job_id: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await caller.http.get(
        f"{caller.stack.url}/imports/{job_id}/errors", params={"limit": 1000}, headers=headers
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def count(caller: Caller, statement: str, **params: Any) -> int:
    return int((await caller.stack.rows(statement, **params))[0][0])


def mixed_file(tmp: Path) -> tuple[bytes, list[list[Any]]]:
    good = rows(6)
    bad_check_digit = rows(1)[0]
    bad_check_digit[5] = bad_check_digit[5][:-1] + ("0" if bad_check_digit[5][-1] != "0" else "1")
    formula = rows(1)[0]
    formula[7] = '=HYPERLINK("http://evil.example","x")'
    old = rows(1)[0]
    old[11] = "1990-09-01"
    duplicate = list(good[0])
    data = [*good[:3], bad_check_digit, *good[3:], formula, old, duplicate]
    return csv_bytes(data, tmp=tmp), good


async def test_all_or_nothing_rejects_a_mixed_file_and_accept_valid_merges_its_valid_rows(
    caller: Caller, tmp_path: Path
) -> None:
    institution = await caller.institution()
    staff = await caller.staff(institution)
    content, good = mixed_file(tmp_path)

    job = await imported(caller, institution, content, staff, mode="all_or_nothing")
    assert job["status"] == "rejected", job
    assert (job["rows_read"], job["rows_rejected"], job["rows_accepted"]) == (10, 4, 0)
    assert await count(caller, "SELECT count(*) FROM student_status_records WHERE "
                       "institution_id = :i", i=institution) == 0  # fmt: skip
    errors = await errors_of(caller, job["id"], staff)
    by_row = {(e["row"], e["field"], e["code"]) for e in errors}
    assert (5, "id_number", "id_number_checksum") in by_row or any(
        e["row"] == 5 and e["field"] == "id_number" for e in errors
    )
    assert (9, "major", "formula_not_allowed") in by_row
    assert (10, "enrollment_date", "before_1991") in by_row
    assert (11, "student_number", "duplicate_in_file") in by_row
    report = await caller.http.get(f"{caller.stack.url}/imports/{job['id']}/errors.csv",
                                   headers=staff)  # fmt: skip
    assert report.status_code == 200
    assert report.content.startswith(b"\xef\xbb\xbf")
    assert "HYPERLINK" not in report.text
    for line in report.text.splitlines()[1:]:
        assert all(not cell.startswith(("=", "+", "-", "@")) for cell in line.split(","))
    assert all(row[5] not in report.text + json.dumps(errors) for row in good)

    job = await imported(caller, institution, content, staff, mode="accept_valid")
    assert job["status"] == "completed", job
    assert (job["rows_read"], job["rows_accepted"], job["rows_rejected"]) == (10, 6, 4)
    assert job["records_created"] == 6
    numbers = await caller.stack.rows(
        "SELECT student_number, version FROM student_status_records WHERE institution_id = :i",
        i=institution,
    )
    assert sorted(n for n, _ in numbers) == sorted(row[0] for row in good)
    assert {v for _, v in numbers} == {1}
    assert (
        await count(
            caller,
            "SELECT count(*) FROM record_versions WHERE source = :s",
            s=f"import:{job['id']}",
        )
        == 6
    )
    assert await count(caller, "SELECT count(*) FROM audit_entries WHERE subject_id = :j",
                       j=job["id"]) == 1  # fmt: skip


async def test_a_repeated_file_changes_nothing_and_a_changed_row_becomes_a_new_version(
    caller: Caller, tmp_path: Path
) -> None:
    institution = await caller.institution()
    staff = await caller.staff(institution)
    data = rows(20)
    content = csv_bytes(data, tmp=tmp_path)
    first = await imported(caller, institution, content, staff)
    assert first["records_created"] == 20
    events = caller.stack.subscriber
    await wait_until(
        lambda: asyncio.sleep(0, len(events.of("records.record.reported",
                                                 import_job_id=first["id"])) == 20 or None),
        timeout=30, message="20 events",
    )  # fmt: skip
    envelope = events.of("records.record.reported", import_job_id=first["id"])[0]
    parsed = EventEnvelope.model_validate(envelope)
    RecordReported.model_validate(parsed.data)
    expected = Outbox(messaging, source="records").envelope(
        RecordReported(**parsed.data), subject=parsed.subject
    )
    assert set(envelope) == set(expected.model_dump(mode="json"))
    assert set(envelope["data"]) == set(expected.model_dump(mode="json")["data"])
    assert envelope["source"] == "records" and envelope["subject"] == envelope["data"]["record_id"]

    again = await imported(caller, institution, content, staff)
    assert again["status"] == "completed"
    assert (again["records_created"], again["records_changed"], again["records_unchanged"]) == (
        0, 0, 20,
    )  # fmt: skip
    assert await count(caller, "SELECT count(*) FROM outbox_events WHERE "
                       "payload->'data'->>'import_job_id' = :j", j=again["id"]) == 0  # fmt: skip
    assert await count(caller, "SELECT count(*) FROM record_versions WHERE source = :s",
                       s=f"import:{again['id']}") == 0  # fmt: skip

    data[3][13] = "休学"
    data[3][14] = "2021-03-01"
    changed = await imported(caller, institution, csv_bytes(data, tmp=tmp_path), staff)
    assert (changed["records_created"], changed["records_changed"]) == (0, 1)
    version = await caller.stack.rows(
        "SELECT version, status FROM student_status_records WHERE institution_id = :i AND "
        "student_number = :n", i=institution, n=data[3][0],
    )  # fmt: skip
    assert tuple(version[0]) == (2, "suspended")
    history = await caller.http.get(
        f"{caller.stack.url}/institutions/{institution}/student-status/{data[3][0]}/status-changes",
        headers=staff,
    )
    assert [(h["status"], h["effective_on"]) for h in history.json()] == [
        ("enrolled", "2019-09-01"), ("suspended", "2021-03-01"),
    ]  # fmt: skip
    versions = await caller.http.get(
        f"{caller.stack.url}/institutions/{institution}/student-status/{data[3][0]}/versions",
        headers=staff,
    )
    assert [v["source"] for v in versions.json()] == [
        f"import:{changed['id']}", f"import:{first['id']}",
    ]  # fmt: skip
    assert await count(caller, "SELECT count(*) FROM outbox_events WHERE "
                       "payload->'data'->>'import_job_id' = :j", j=changed["id"]) == 1  # fmt: skip


async def test_kill_9_mid_import_then_restart_applies_the_file_once_and_whole(
    caller: Caller, tmp_path: Path
) -> None:
    institution = await caller.institution()
    staff = await caller.staff(institution)
    total = 40_000
    content = csv_bytes(rows(total), tmp=tmp_path)
    response = await upload(caller, institution, content, staff)
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]

    async def validating() -> bool | None:
        got = await caller.http.get(f"{caller.stack.url}/imports/{job_id}", headers=staff)
        job = got.json()
        assert job["status"] not in ("completed", "rejected", "failed"), job
        return True if job["status"] == "validating" and job["rows_read"] > 0 else None

    await wait_until(validating, timeout=30, message="import under way")
    caller.stack.restart_records(kill=True)
    await caller.stack.records.wait_ready(timeout=60)
    job = await finished(caller, job_id, staff, timeout=120)
    assert job["status"] == "completed", job
    assert job["attempts"] == 2
    assert job["records_created"] == total
    assert await count(caller, "SELECT count(*) FROM student_status_records WHERE "
                       "institution_id = :i", i=institution) == total  # fmt: skip
    assert await count(caller, "SELECT count(*) FROM record_versions WHERE source = :s",
                       s=f"import:{job_id}") == total  # fmt: skip
    assert await count(caller, "SELECT count(*) FROM outbox_events WHERE "
                       "payload->'data'->>'import_job_id' = :j", j=job_id) == total  # fmt: skip
    assert await count(caller, "SELECT count(*) FROM audit_entries WHERE subject_id = :j",
                       j=job_id) == 1  # fmt: skip
