"""Bulk imports against a real records process, PostgreSQL and RabbitMQ: both modes, idempotent
re-imports, new versions, kill -9 mid-import, encodings, bad files, and who may see what."""

import asyncio
import io
import json
import uuid
import zipfile
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
    STUDENT_STATUS_HEADER_ZH,
    student_status_rows,
    write_csv,
    write_xlsx,
)
from records.testing import RNG, Caller, adult, e_registration_number

LIMIT = 32 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def records_env() -> dict[str, str]:
    # A lower cap than production's 160 MiB, so the over-the-limit upload stays quick.
    return {"RECORDS_IMPORT_MAX_BYTES": str(LIMIT), "RECORDS_IMPORT_POLL_SECONDS": "0.2"}


# Every generated file's rows, so the last test looks for their ID numbers in logs and events.
SEEN: list[list[list[Any]]] = []


def rows(count: int, **kwargs: Any) -> list[list[Any]]:
    made = list(student_status_rows(count, seed=RNG.randrange(10**9), **kwargs))
    SEEN.append(made[:200])
    return made


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

    async def all_twenty() -> bool:
        return len(events.of("records.record.reported", import_job_id=first["id"])) == 20

    await wait_until(all_twenty, timeout=30, message="20 events")
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
    await drained(caller)


async def drained(caller: Caller) -> None:
    """Wait until the relay has published every event (the next module's events come after)."""

    async def empty() -> bool:
        pending = "SELECT count(*) FROM outbox_events WHERE published_at IS NULL"
        return await count(caller, pending) == 0

    await wait_until(empty, timeout=180, interval=0.5, message="outbox drained")


async def test_gbk_and_utf8_bom_files_are_detected_and_read(caller: Caller, tmp_path: Path) -> None:
    institution = await caller.institution()
    staff = await caller.staff(institution)
    for encoding, detected in (("gbk", "gb18030"), ("utf-8-sig", "utf-8-sig")):
        data = rows(5, prefix=encoding[:3].upper())
        content = csv_bytes(data, header=STUDENT_STATUS_HEADER_ZH, encoding=encoding, tmp=tmp_path)
        job = await imported(caller, institution, content, staff)
        assert (job["status"], job["encoding"], job["records_created"]) == (
            "completed", detected, 5,
        ), job  # fmt: skip
        name = await caller.stack.rows(
            "SELECT name FROM student_status_records WHERE institution_id = :i AND "
            "student_number = :n", i=institution, n=data[0][0],
        )  # fmt: skip
        assert name[0][0] == data[0][1]


async def test_a_wrong_header_is_one_422_naming_the_columns_and_queues_nothing(
    caller: Caller, tmp_path: Path
) -> None:
    institution = await caller.institution()
    staff = await caller.staff(institution)
    header = tuple("colour" if h == "major" else h for h in STUDENT_STATUS_HEADER)
    response = await upload(caller, institution, csv_bytes(rows(3), header=header, tmp=tmp_path),
                            staff)  # fmt: skip
    assert response.status_code == 422, response.text
    fields = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert fields == {("header.major", "column_missing"), ("header.colour", "column_unknown")}
    assert await count(caller, "SELECT count(*) FROM import_jobs WHERE institution_id = :i",
                       i=institution) == 0  # fmt: skip
    storage = Path(caller.stack.env["RECORDS_STORAGE_ROOT"]) / "imports"
    assert not list(storage.glob("*.part"))


async def test_a_file_over_the_limit_is_413_naming_it_and_leaves_nothing(
    caller: Caller, tmp_path: Path
) -> None:
    institution = await caller.institution()
    staff = await caller.staff(institution)
    # A declared 200 MB body is refused before a byte of it is read.
    reader, writer = await asyncio.open_connection("127.0.0.1", caller.stack.records.port)
    writer.write(
        (
            f"POST /api/v1/records/institutions/{institution}/imports?kind=student_status "
            f"HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {staff['Authorization']}\r\n"
            f"Content-Type: text/csv\r\nContent-Length: {200 * 1024 * 1024}\r\n\r\n"
        ).encode()
        + b"student_number,name\r\n"
    )
    await writer.drain()
    head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)).decode()
    length = int(head.lower().split("content-length:")[1].split("\r\n")[0])
    answer = head + (await asyncio.wait_for(reader.readexactly(length), 30)).decode()
    writer.close()
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert f"{LIMIT // 1024 // 1024} MiB" in answer

    # A body without a length is counted as it streams, and refused past the cap.
    async def body() -> Any:
        chunk = b"x" * (1024 * 1024)
        for _ in range(LIMIT // len(chunk) + 2):
            yield chunk

    response = await caller.http.post(
        f"{caller.stack.url}/institutions/{institution}/imports",
        params={"kind": "student_status"},
        content=body(),
        headers={**staff, "Content-Type": "text/csv"},
    )
    assert response.status_code == 413, response.text
    assert f"{LIMIT}" in response.json()["detail"]
    assert await count(caller, "SELECT count(*) FROM import_jobs WHERE institution_id = :i",
                       i=institution) == 0  # fmt: skip
    storage = Path(caller.stack.env["RECORDS_STORAGE_ROOT"]) / "imports"
    assert not list(storage.glob("*.part"))


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def xlsx_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<row>" + b"0" * (64 * 1024 * 1024))
    return buffer.getvalue()


async def test_a_renamed_png_is_415_and_an_xlsx_bomb_413(caller: Caller) -> None:
    institution = await caller.institution()
    staff = await caller.staff(institution)
    png = await upload(caller, institution, png_bytes(), staff)
    assert png.status_code == 415, png.text
    bomb = await upload(caller, institution, xlsx_bomb(), staff, media_type=XLSX)
    assert bomb.status_code == 413, bomb.text
    assert bomb.json()["code"] == "payload_too_large" and "XLSX" in bomb.json()["detail"]
    assert await count(caller, "SELECT count(*) FROM import_jobs WHERE institution_id = :i",
                       i=institution) == 0  # fmt: skip


async def test_an_xlsx_is_streamed_and_a_formula_cell_is_a_row_error_never_evaluated(
    caller: Caller, tmp_path: Path
) -> None:
    institution = await caller.institution()
    staff = await caller.staff(institution)
    data = rows(4)
    data[2][7] = "=1+1"
    path = write_xlsx(tmp_path / "records.xlsx", data)
    job = await imported(caller, institution, path.read_bytes(), staff, media_type=XLSX)
    assert (job["status"], job["file_format"], job["records_created"]) == ("completed", "xlsx", 3)
    errors = await errors_of(caller, job["id"], staff)
    assert [(e["row"], e["field"], e["code"]) for e in errors] == [
        (4, "major", "formula_not_allowed")
    ]


async def test_who_may_upload_and_see_jobs(caller: Caller, tmp_path: Path) -> None:
    institution, other = await caller.institution(), await caller.institution()
    content = csv_bytes(rows(2), tmp=tmp_path)
    without_scope = await caller.partner(institution, "records:read")
    refused = await upload(caller, institution, content, without_scope)
    assert refused.status_code == 403, refused.text
    partner = await caller.partner(institution, "records:import")
    job = await imported(caller, institution, content, partner)
    assert job["status"] == "completed"
    other_staff = await caller.staff(other)
    hidden = await caller.http.get(f"{caller.stack.url}/imports/{job['id']}", headers=other_staff)
    assert hidden.status_code == 404
    assert (
        await caller.http.get(
            f"{caller.stack.url}/imports/{job['id']}/errors.csv", headers=other_staff
        )
    ).status_code == 404
    listed = await caller.http.get(f"{caller.stack.url}/imports", headers=other_staff)
    assert job["id"] not in listed.text
    mine = await caller.http.get(
        f"{caller.stack.url}/imports", headers=await caller.staff(institution)
    )
    assert job["id"] in [j["id"] for j in mine.json()["items"]]
    into_other = await upload(caller, other, content, partner)
    assert into_other.status_code == 403


DEGREE_HEADER = (
    "student_number", "name", "gender", "birth_date", "id_number", "certificate_number",
    "degree_level", "discipline", "major", "conferred_date",
)  # fmt: skip


async def test_a_certificate_number_of_another_institution_is_a_rejected_row(
    caller: Caller, tmp_path: Path
) -> None:
    holder, institution = await caller.institution(), await caller.institution()
    taken = f"{holder[-5:]}42023{RNG.randrange(10**6):06d}"
    who = adult()
    reported = await caller.http.put(
        f"{caller.stack.url}/institutions/{holder}/degrees/D1",
        json={"name": who.name, "gender": who.gender, "birth_date": who.birth_date.isoformat(),
              "id_number": who.id_number, "certificate_number": taken, "degree_level": "bachelor",
              "discipline": "工学", "major": "软件工程", "conferred_date": "2023-06-30"},
        headers=await caller.staff(holder),
    )  # fmt: skip
    assert reported.status_code == 201, reported.text
    staff = await caller.staff(institution)
    people = [adult() for _ in range(2)]
    data = [
        [f"D{i}", p.name, p.gender, p.birth_date.isoformat(), p.id_number,
         taken if i == 0 else f"{institution[-5:]}42023{RNG.randrange(10**6):06d}",
         "学士", "工学", "软件工程", "2023-06-30"]
        for i, p in enumerate(people)
    ]  # fmt: skip
    job = await imported(caller, institution, csv_bytes(data, header=DEGREE_HEADER, tmp=tmp_path),
                         staff, kind="degree")  # fmt: skip
    assert (job["status"], job["rows_accepted"], job["rows_rejected"]) == ("completed", 1, 1)
    errors = await errors_of(caller, job["id"], staff)
    assert [(e["row"], e["field"], e["code"]) for e in errors] == [
        (2, "certificate_number", "record_owned_elsewhere")
    ]
    holders = await caller.stack.rows(
        "SELECT institution_id, student_number FROM degree_records WHERE certificate_number = :c",
        c=taken,
    )
    assert [tuple(h) for h in holders] == [(holder, "D1")]


QUALIFICATION_HEADER = (
    "学号", "姓名", "性别", "出生日期", "证件号码", "证书编号", "证书流水号", "专业", "层次",
    "入学日期", "毕业日期", "毕结业结论", "校长姓名",
)  # fmt: skip


async def test_qualifications_are_imported_with_their_certificate_keys_and_once(
    caller: Caller, tmp_path: Path
) -> None:
    institution = await caller.institution()
    staff = await caller.staff(institution)
    people = [adult() for _ in range(3)]
    data = [
        [f"Q{i}", p.name, "男" if p.gender == "male" else "女", p.birth_date.isoformat(),
         p.id_number, e_registration_number(institution), "NO.00298959" if i == 0 else "",
         "法学", "本科", "2019-09-01", "2023-06-30", "毕业", "张校长"]
        for i, p in enumerate(people)
    ]  # fmt: skip
    content = csv_bytes(data, header=QUALIFICATION_HEADER, encoding="gbk", tmp=tmp_path)
    job = await imported(caller, institution, content, staff, kind="qualification",
                         mode="all_or_nothing")  # fmt: skip
    assert (job["status"], job["records_created"]) == ("completed", 3), job
    keys = await caller.stack.rows(
        "SELECT certificate_key, serial_key FROM qualification_records WHERE institution_id = :i "
        "AND student_number = 'Q0'", i=institution,
    )  # fmt: skip
    assert tuple(keys[0]) == (data[0][5].lstrip("0"), "298959")
    again = await imported(caller, institution, content, staff, kind="qualification")
    assert (again["records_created"], again["records_changed"]) == (0, 0)
    # Another student of the file claiming Q0's certificate is refused, Q0 keeps it.
    data[1][5] = data[0][5]
    clash = await imported(caller, institution, csv_bytes(data, header=QUALIFICATION_HEADER,
                           tmp=tmp_path), staff, kind="qualification")  # fmt: skip
    errors = await errors_of(caller, clash["id"], staff)
    assert {(e["row"], e["code"]) for e in errors} == {(3, "duplicate_in_file")}
    alone = await imported(caller, institution, csv_bytes([data[1]], header=QUALIFICATION_HEADER,
                           tmp=tmp_path), staff, kind="qualification")  # fmt: skip
    errors = await errors_of(caller, alone["id"], staff)
    assert [(e["row"], e["code"]) for e in errors] == [(2, "certificate_number_taken")]


INSTITUTION_HEADER = ("序号", "学校名称", "学校标识码", "主管部门", "所在地", "办学层次", "备注")


async def test_operators_load_the_ministry_list_of_institutions(
    caller: Caller, tmp_path: Path
) -> None:
    codes = [f"4{'11'}{RNG.randrange(10**7):07d}" for _ in range(2)]
    data = [
        ["北京市（2所）", "", "", "", "", "", ""],
        ["1", "测试学院甲", codes[0], "北京市教委", "北京市", "本科", ""],
        ["2", "测试学院乙", codes[1], "北京市教委", "北京市", "专科", "民办"],
        ["3", "坏行", "12345", "北京市教委", "北京市", "本科", ""],
    ]
    content = csv_bytes(data, header=INSTITUTION_HEADER, encoding="gbk", tmp=tmp_path)
    operator = await caller.operator()
    staff = await caller.staff(codes[0])
    refused = await caller.http.post(f"{caller.stack.url}/imports/institutions", content=content,
                                     headers={**staff, "Content-Type": "text/csv"})  # fmt: skip
    assert refused.status_code == 403
    response = await caller.http.post(
        f"{caller.stack.url}/imports/institutions", params={"mode": "accept_valid"},
        content=content, headers={**operator, "Content-Type": "text/csv"},
    )  # fmt: skip
    assert response.status_code == 202, response.text
    job = await finished(caller, response.json()["id"], operator)
    assert (job["status"], job["records_created"], job["rows_rejected"]) == ("completed", 2, 1)
    errors = await errors_of(caller, job["id"], operator)
    assert [(e["row"], e["field"]) for e in errors] == [(5, "id")]
    loaded = await caller.http.get(f"{caller.stack.url}/institutions/{codes[1]}", headers=operator)
    assert loaded.json()["kind"] == "vocational" and loaded.json()["province"] == "北京市"
    data[2][3] = "教育部"
    again = await caller.http.post(
        f"{caller.stack.url}/imports/institutions", params={"mode": "accept_valid"},
        content=csv_bytes(data, header=INSTITUTION_HEADER, tmp=tmp_path),
        headers={**operator, "Content-Type": "text/csv"},
    )  # fmt: skip
    job = await finished(caller, again.json()["id"], operator)
    assert (job["records_created"], job["records_changed"], job["records_unchanged"]) == (0, 1, 1)
    assert await count(caller, "SELECT count(*) FROM audit_entries WHERE subject_id = :j",
                       j=job["id"]) == 1  # fmt: skip


async def test_raw_id_numbers_are_in_no_log_line(caller: Caller) -> None:
    numbers = [
        row[0] for row in await caller.stack.rows(
            "SELECT facts->>'student_number' FROM record_versions WHERE source LIKE 'import:%'"
        )
    ]  # fmt: skip
    assert numbers, "the imports above left versions"
    logs = "".join(p.read_text(errors="replace") for p in caller.stack.log_dir.glob("*.log"))
    for seed_rows in SEEN:
        for row in seed_rows:
            assert row[5] not in logs
    await drained(caller)
    outbox = await caller.stack.rows("SELECT payload::text FROM outbox_events")
    dumped = "".join(r[0] for r in outbox)
    for seed_rows in SEEN:
        for row in seed_rows:
            assert row[5] not in dumped
