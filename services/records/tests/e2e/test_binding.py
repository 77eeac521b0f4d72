"""Binding records to accounts and the student's archive, against real identity and records
processes: identity's own `realname_verified` event binds, records reported later bind on
arrival, old qualifications bind by hand, operators unbind, and a student sees only their own."""

import io
import json
import random
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from PIL import Image

from educert_common.events.broker import Broker
from educert_common.settings import PlatformSettings
from educert_common.storage import LocalFileStorage, UploadPolicy
from educert_common.testing.onboarding import Onboarded
from educert_common.testing.people import SURNAMES, Person, resident_id
from educert_common.testing.waiting import wait_until
from records.imports.samples import write_csv
from records.testing import (
    RNG,
    Caller,
    IdentityTap,
    degree_body,
    qualification_body,
    student_status_body,
    verified_student,
)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 64), (200, 220, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = png()


@pytest.fixture(scope="module")
async def tap(stack: Any) -> AsyncIterator[IdentityTap]:
    listening = IdentityTap()
    await listening.start()
    yield listening
    await listening.close()


def old_graduate(rng: random.Random = RNG) -> Person:
    """Someone born in the 1970s, who graduated in the 1990s."""
    birth = date(1972, 1, 1).replace(day=rng.randrange(1, 28), month=rng.randrange(1, 13))
    gender = rng.choice(("male", "female"))
    name = rng.choice(SURNAMES) + rng.choice("伟芳娜敏静丽强") + rng.choice("磊军洋勇艳杰")
    number = resident_id(birth, gender, region="110102", order=rng.randrange(1, 499))
    return Person(name, gender, birth, number)


def _young(rng: random.Random) -> Person:
    """Someone born in 1999 (the helper of records.testing may draw birth dates up to 2006)."""
    birth = date(1999, rng.randrange(1, 13), rng.randrange(1, 28))
    gender = rng.choice(("male", "female"))
    name = rng.choice(SURNAMES) + rng.choice("伟芳娜敏静丽强") + rng.choice("磊军洋勇艳杰")
    return Person(name, gender, birth, resident_id(birth, gender, order=rng.randrange(1, 499)))


async def report(
    caller: Caller, institution: str, path: str, number: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await caller.http.put(
        f"{caller.stack.url}/institutions/{institution}/{path}/{number}",
        json=body,
        headers=await caller.staff(institution),
    )
    assert response.status_code in (200, 201), response.text
    return dict(response.json()["record"])


TABLES = frozenset({"student_status_records", "qualification_records", "degree_records"})


async def owner_of(caller: Caller, table: str, record_id: str) -> Any:
    assert table in TABLES
    rows = await caller.stack.rows(
        f"SELECT owner_id, bound_via FROM {table} WHERE id = :id",  # noqa: S608
        id=uuid.UUID(record_id),
    )
    return rows[0]


async def account_known(caller: Caller, student: Onboarded) -> None:
    async def known() -> bool:
        rows = await caller.stack.rows(
            "SELECT 1 FROM verified_accounts WHERE user_id = :u", u=student.user_id
        )
        return bool(rows)

    await wait_until(known, timeout=20, message="records has the verified account")


async def test_identitys_realname_event_binds_the_matching_records_of_every_kind(
    caller: Caller, tap: IdentityTap
) -> None:
    institution = await caller.institution()
    older = await caller.institution()
    who = _young(RNG)
    status = await report(
        caller, institution, "student-status", f"S{RNG.randrange(10**6)}", student_status_body(who)
    )
    qualification = await report(
        caller,
        institution,
        "qualifications",
        f"Q{RNG.randrange(10**6)}",
        qualification_body(who, institution),
    )
    degree = await report(
        caller, institution, "degrees", f"D{RNG.randrange(10**6)}", degree_body(who, institution)
    )
    # The same ID number under another name: never bound.
    renamed = await report(
        caller,
        older,
        "student-status",
        f"R{RNG.randrange(10**6)}",
        student_status_body(who, name="欧阳某某"),
    )
    # Gender and birth date differ (data reported before the ID check existed, or by a
    # path that did not check): never bound either.
    other_gender = await report(
        caller, older, "degrees", f"G{RNG.randrange(10**6)}", degree_body(who, older)
    )
    other_birth = await report(
        caller, older, "qualifications", f"B{RNG.randrange(10**6)}", qualification_body(who, older)
    )
    await caller.stack.execute(
        "UPDATE degree_records SET gender = :g WHERE id = :id",
        g="female" if who.gender == "male" else "male",
        id=uuid.UUID(other_gender["id"]),
    )
    await caller.stack.execute(
        "UPDATE qualification_records SET birth_date = birth_date + 1 WHERE id = :id",
        id=uuid.UUID(other_birth["id"]),
    )
    assert not status["bound"] and not qualification["bound"]

    student = await verified_student(caller, tap, who)

    subscriber = caller.stack.subscriber
    for record in (status, qualification, degree):
        event = await subscriber.wait_for(
            "records.record.bound", record_id=record["id"], user_id=student.user_id
        )
        assert event["data"]["method"] == "automatic"
        assert event["data"]["institution_id"] == institution
        assert who.id_number not in str(event)
    assert (await owner_of(caller, "student_status_records", status["id"])) == (
        student.user_id,
        "automatic",
    )
    for table, record in (
        ("student_status_records", renamed),
        ("degree_records", other_gender),
        ("qualification_records", other_birth),
    ):
        assert (await owner_of(caller, table, record["id"]))[0] is None, table
    audit = await caller.stack.rows(
        "SELECT subject_id, after FROM audit_entries WHERE action = 'record.bound' "
        "AND subject_id = ANY(:ids)",
        ids=[status["id"], qualification["id"], degree["id"]],
    )
    assert len(audit) == 3
    assert all(row.after["owner_id"] == str(student.user_id) for row in audit)

    # The archive lists exactly these three, with the institution.
    listing = await caller.http.get(f"{caller.stack.url}/me/records", headers=student.headers)
    assert listing.status_code == 200, listing.text
    items = listing.json()["items"]
    assert {(i["kind"], i["id"]) for i in items} == {
        ("student_status", status["id"]),
        ("qualification", qualification["id"]),
        ("degree", degree["id"]),
    }
    assert all(i["institution"]["id"] == institution for i in items)
    assert who.id_number not in listing.text
    # Pages follow the cursor without repeats.
    first = await caller.http.get(
        f"{caller.stack.url}/me/records", params={"limit": 2}, headers=student.headers
    )
    rest = await caller.http.get(
        f"{caller.stack.url}/me/records",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=student.headers,
    )
    assert [i["id"] for i in first.json()["items"] + rest.json()["items"]] == [
        i["id"] for i in items
    ]
    assert rest.json()["next_cursor"] is None

    detail = await caller.http.get(
        f"{caller.stack.url}/me/student-status/{status['id']}", headers=student.headers
    )
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["record"]["id_number_masked"] == who.id_number[:3] + "*" * 11 + who.id_number[-4:]
    assert who.id_number not in detail.text
    assert body["institution"]["name_zh"].startswith("测试大学")
    assert body["institution"]["status"] == "active" and body["institution"]["successor"] is None
    assert [v["version"] for v in body["versions"]] == [1]
    assert [c["status"] for c in body["status_changes"]] == ["enrolled"]
    assert body["bound_via"] == "automatic"

    # Identity's event again (a redelivery: the inbox skips it) and the same account verified
    # a second time (a new event): nothing is bound twice.
    verified = next(
        e
        for e in tap.received
        if e["type"] == "identity.user.realname_verified"
        and e["data"]["user_id"] == str(student.user_id)
    )
    second = {**verified, "id": str(uuid.uuid4())}
    await publish(verified)
    await publish(second)

    async def handled() -> bool:
        rows = await caller.stack.rows(
            "SELECT 1 FROM inbox_events WHERE event_id = :id", id=uuid.UUID(second["id"])
        )
        return bool(rows)

    await wait_until(handled, timeout=20, message="the second verification handled")
    for record in (status, qualification, degree):
        assert len(subscriber.of("records.record.bound", record_id=record["id"])) == 1
    audit = await caller.stack.rows(
        "SELECT count(*) AS n FROM audit_entries WHERE action = 'record.bound' "
        "AND subject_id = ANY(:ids)",
        ids=[status["id"], qualification["id"], degree["id"]],
    )
    assert audit[0].n == 3


async def publish(envelope: dict[str, Any]) -> None:
    """Put an envelope on the platform's exchange as identity's relay does."""
    broker = Broker(PlatformSettings().broker_url, prefix=PlatformSettings().broker_prefix)
    await broker.start()
    try:
        await broker.wait_connected(15)
        channel = await broker.channel()
        exchange = await broker.exchange(channel)
        await exchange.publish(
            aio_pika.Message(
                json.dumps(envelope).encode(),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                type=envelope["type"],
            ),
            routing_key=envelope["type"],
        )
    finally:
        await broker.close()


async def test_records_reported_after_verification_bind_when_they_arrive(
    caller: Caller, tap: IdentityTap
) -> None:
    institution = await caller.institution()
    who = _young(RNG)
    student = await verified_student(caller, tap, who)
    await account_known(caller, student)

    record = await report(
        caller,
        institution,
        "qualifications",
        f"L{RNG.randrange(10**6)}",
        qualification_body(who, institution),
    )
    assert record["bound"] is True
    event = await caller.stack.subscriber.wait_for("records.record.bound", record_id=record["id"])
    assert event["data"]["user_id"] == str(student.user_id)
    # A record of another person reported at the same time stays unbound.
    stranger = await report(
        caller,
        institution,
        "degrees",
        f"X{RNG.randrange(10**6)}",
        degree_body(_young(RNG), institution),
    )
    assert stranger["bound"] is False
    # A name corrected later makes a mismatching record bind at the new version.
    late = await report(
        caller,
        institution,
        "student-status",
        f"C{RNG.randrange(10**6)}",
        student_status_body(who, name="错名字"),
    )
    assert late["bound"] is False
    fixed = await report(
        caller,
        institution,
        "student-status",
        late["student_number"],
        student_status_body(who, reason="更正姓名"),
    )
    assert fixed["bound"] is True and fixed["version"] == 2


async def test_records_of_an_imported_file_bind_in_the_merge(
    caller: Caller, tap: IdentityTap, tmp_path: Path
) -> None:
    institution = await caller.institution()
    who = _young(RNG)
    student = await verified_student(caller, tap, who)
    await account_known(caller, student)
    stranger = _young(RNG)

    def row(number: str, person: Person) -> list[Any]:
        return [
            number, person.name, "男" if person.gender == "male" else "女",
            person.birth_date.isoformat(), "居民身份证", person.id_number, "汉族", "法学",
            "本科", "全日制", "普通", "2019-09-01", "4", "在籍", "2019-09-01",
        ]  # fmt: skip

    path = write_csv(tmp_path / "file.csv", [row("IMP1", who), row("IMP2", stranger)])
    staff = await caller.staff(institution)
    upload = await caller.http.post(
        f"{caller.stack.url}/institutions/{institution}/imports",
        params={"kind": "student_status", "mode": "all_or_nothing"},
        content=path.read_bytes(),
        headers={**staff, "Content-Type": "text/csv"},
    )
    assert upload.status_code == 202, upload.text

    async def completed() -> bool:
        job = await caller.http.get(
            f"{caller.stack.url}/imports/{upload.json()['id']}", headers=staff
        )
        return job.json()["status"] == "completed"

    await wait_until(completed, timeout=60, message="import completed")
    base = f"{caller.stack.url}/institutions/{institution}/student-status"
    mine = (await caller.http.get(f"{base}/IMP1", headers=staff)).json()
    theirs = (await caller.http.get(f"{base}/IMP2", headers=staff)).json()
    assert mine["bound"] is True and theirs["bound"] is False
    event = await caller.stack.subscriber.wait_for("records.record.bound", record_id=mine["id"])
    assert event["data"]["user_id"] == str(student.user_id)
    listed = await caller.http.get(f"{caller.stack.url}/me/records", headers=student.headers)
    assert mine["id"] in [item["id"] for item in listed.json()["items"]]


async def test_old_qualifications_bind_only_by_hand_with_either_number(
    caller: Caller, tap: IdentityTap
) -> None:
    institution = await caller.institution()
    who = old_graduate()
    serial = await report(
        caller,
        institution,
        "qualifications",
        f"O{RNG.randrange(10**6)}",
        qualification_body(
            who,
            institution,
            certificate_number="19980123",
            serial_number="NO.00298959",
            enrollment_date="1994-09-01",
            graduation_date="1998-07-01",
        ),
    )
    own = await report(
        caller,
        institution,
        "qualifications",
        f"P{RNG.randrange(10**6)}",
        qualification_body(
            who,
            institution,
            certificate_number="0045120",
            enrollment_date="1996-09-01",
            graduation_date="2000-07-01",
        ),
    )
    student = await verified_student(caller, tap, who)
    await account_known(caller, student)
    # Verified, yet the pre-2001 qualifications are not bound automatically.
    assert (await owner_of(caller, "qualification_records", serial["id"]))[0] is None
    assert (await owner_of(caller, "qualification_records", own["id"]))[0] is None

    url = f"{caller.stack.url}/me/bindings"
    wrong_year = await caller.http.post(
        url,
        json={
            "institution_id": institution,
            "graduation_year": 1999,
            "certificate_number": "298959",
        },
        headers=student.headers,
    )
    assert wrong_year.status_code == 404 and wrong_year.json()["code"] == "no_such_record"
    # The serial without NO. and its leading zeros.
    bound = await caller.http.post(
        url,
        json={
            "institution_id": institution,
            "graduation_year": 1998,
            "certificate_number": "298959",
        },
        headers=student.headers,
    )
    assert bound.status_code == 200, bound.text
    assert bound.json()["id"] == serial["id"] and bound.json()["bound_via"] == "manual"
    # Again, written as on the certificate: the same record, nothing new.
    again = await caller.http.post(
        url,
        json={
            "institution_id": institution,
            "graduation_year": 1998,
            "certificate_number": "No.00298959",
        },
        headers=student.headers,
    )
    assert again.status_code == 200 and again.json()["id"] == serial["id"]
    # The institution's own number, without its leading zero.
    by_own = await caller.http.post(
        url,
        json={
            "institution_id": institution,
            "graduation_year": 2000,
            "certificate_number": "45120",
        },
        headers=student.headers,
    )
    assert by_own.status_code == 200, by_own.text
    assert by_own.json()["id"] == own["id"]
    events = caller.stack.subscriber
    event = await events.wait_for("records.record.bound", record_id=own["id"])
    assert event["data"]["method"] == "manual"
    assert len(events.of("records.record.bound", record_id=serial["id"])) == 1

    # Someone else cannot take it: 409, and nothing says whose it is.
    other = await verified_student(caller, tap, old_graduate())
    await account_known(caller, other)
    taken = await caller.http.post(
        url,
        json={
            "institution_id": institution,
            "graduation_year": 1998,
            "certificate_number": "NO.298959",
        },
        headers=other.headers,
    )
    assert taken.status_code == 409 and taken.json()["code"] == "record_bound_elsewhere"
    assert str(student.user_id) not in taken.text and who.name not in taken.text


async def test_a_mismatch_names_the_field_but_never_the_stored_value(
    caller: Caller, tap: IdentityTap
) -> None:
    institution = await caller.institution()
    who = old_graduate()
    stored_name = who.name[0] + "某某"
    record = await report(
        caller,
        institution,
        "qualifications",
        f"M{RNG.randrange(10**6)}",
        qualification_body(
            who,
            institution,
            name=stored_name,
            certificate_number="A1997-0042",
            enrollment_date="1993-09-01",
            graduation_date="1997-07-01",
        ),
    )
    _, unverified = await caller.student()
    body = {
        "institution_id": institution,
        "graduation_year": 1997,
        "certificate_number": "a1997-0042",
    }
    refused = await caller.http.post(
        f"{caller.stack.url}/me/bindings", json=body, headers=unverified
    )
    assert refused.status_code == 403 and refused.json()["code"] == "realname_required"

    student = await verified_student(caller, tap, who)
    await account_known(caller, student)
    response = await caller.http.post(
        f"{caller.stack.url}/me/bindings", json=body, headers=student.headers
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "record_details_differ"
    assert [e["field"] for e in problem["errors"]] == ["name"]
    assert "院校" in problem["errors"][0]["message"]
    assert stored_name not in response.text
    # A birth date that differs as well is named too, and its value is not shown.
    await caller.stack.execute(
        "UPDATE qualification_records SET birth_date = DATE '1970-02-03' WHERE id = :id",
        id=uuid.UUID(record["id"]),
    )
    response = await caller.http.post(
        f"{caller.stack.url}/me/bindings",
        json=body,
        headers={**student.headers, "Accept-Language": "en"},
    )
    assert [e["field"] for e in response.json()["errors"]] == ["name", "birth_date"]
    assert "1970-02-03" not in response.text and "institution" in response.text
    assert (await owner_of(caller, "qualification_records", record["id"]))[0] is None


async def test_manual_attempts_are_capped_per_account_per_day(caller: Caller) -> None:
    institution = await caller.institution()
    _, headers = await caller.student()
    body = {"institution_id": institution, "graduation_year": 1995}
    statuses = []
    for n in range(11):
        response = await caller.http.post(
            f"{caller.stack.url}/me/bindings",
            json={**body, "certificate_number": f"{100000 + n}"},
            headers=headers,
        )
        statuses.append(response.status_code)
    # The account is not verified (403) and each refusal still counts: the 11th is 429.
    assert statuses[:10] == [403] * 10 and statuses[10] == 429


async def test_a_student_sees_only_their_own_records_and_photo(
    caller: Caller, tap: IdentityTap, tmp_path: Path
) -> None:
    institution = await caller.institution()
    who = _young(RNG)
    student = await verified_student(caller, tap, who)
    await account_known(caller, student)
    record = await report(
        caller, institution, "student-status", f"F{RNG.randrange(10**6)}", student_status_body(who)
    )
    assert record["bound"] is True
    base = f"{caller.stack.url}/me/student-status/{record['id']}"
    no_photo = await caller.http.get(f"{base}/photo", headers=student.headers)
    assert no_photo.status_code == 404 and no_photo.json()["code"] == "photo_not_found"

    storage = LocalFileStorage(Path(caller.stack.env["RECORDS_STORAGE_ROOT"]))
    stored = await storage.put(PNG, UploadPolicy(allowed_types=frozenset({"image/png"})))
    await caller.stack.execute(
        "UPDATE student_status_records SET photo_key = :k WHERE id = :id",
        k=stored.key,
        id=uuid.UUID(record["id"]),
    )
    photo = await caller.http.get(f"{base}/photo", headers=student.headers)
    assert photo.status_code == 200 and photo.content == PNG
    assert photo.headers["content-type"] == "image/png"

    _, stranger = await caller.student()
    for url in (base, f"{base}/photo"):
        response = await caller.http.get(url, headers=stranger)
        assert response.status_code == 404, (url, response.text)
        assert who.name not in response.text
    # The wrong kind in the path is not a way round it either.
    assert (
        await caller.http.get(
            f"{caller.stack.url}/me/degrees/{record['id']}", headers=student.headers
        )
    ).status_code == 404
    listing = await caller.http.get(f"{caller.stack.url}/me/records", headers=stranger)
    assert listing.json()["items"] == []

    # Operators read any record for support, with the owning account.
    support = await caller.http.get(
        f"{caller.stack.url}/support/student-status/{record['id']}",
        headers=await caller.operator(),
    )
    assert support.status_code == 200 and support.json()["owner_id"] == str(student.user_id)
    staff = await caller.http.get(
        f"{caller.stack.url}/support/student-status/{record['id']}",
        headers=await caller.staff(institution),
    )
    assert staff.status_code == 403


async def test_operator_unbinding_is_audited_announced_and_sticks(
    caller: Caller, tap: IdentityTap
) -> None:
    institution = await caller.institution()
    who = _young(RNG)
    student = await verified_student(caller, tap, who)
    await account_known(caller, student)
    record = await report(
        caller, institution, "degrees", f"U{RNG.randrange(10**6)}", degree_body(who, institution)
    )
    assert record["bound"] is True
    url = f"{caller.stack.url}/support/degrees/{record['id']}/unbinding"

    refused = await caller.http.post(url, json={"reason": "测试"}, headers=student.headers)
    assert refused.status_code == 403
    no_reason = await caller.http.post(url, json={}, headers=await caller.operator())
    assert no_reason.status_code == 422

    operator = await caller.operator()
    response = await caller.http.post(
        url, json={"reason": "证件号码被冒用,核实后解绑"}, headers=operator
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"kind": "degree", "id": record["id"], "bound": False}
    event = await caller.stack.subscriber.wait_for("records.record.unbound", record_id=record["id"])
    assert event["data"]["user_id"] == str(student.user_id)
    assert event["data"]["reason"] == "证件号码被冒用,核实后解绑"
    audit = await caller.stack.rows(
        "SELECT actor, before, after FROM audit_entries "
        "WHERE action = 'record.unbound' AND subject_id = :id",
        id=record["id"],
    )
    assert len(audit) == 1 and audit[0].before["owner_id"] == str(student.user_id)
    assert audit[0].after["reason"] == "证件号码被冒用,核实后解绑"

    gone = await caller.http.get(
        f"{caller.stack.url}/me/degrees/{record['id']}", headers=student.headers
    )
    assert gone.status_code == 404
    twice = await caller.http.post(url, json={"reason": "再次解绑"}, headers=operator)
    assert twice.status_code == 409 and twice.json()["code"] == "record_not_bound"
    # A new version of the record does not put it back into that account.
    changed = await report(
        caller,
        institution,
        "degrees",
        record["student_number"],
        degree_body(
            who, institution, major="软件工程", certificate_number=record["certificate_number"]
        ),
    )
    assert changed["version"] == 2 and changed["bound"] is False


async def test_the_archive_shows_every_version_status_change_and_the_successor(
    caller: Caller, tap: IdentityTap
) -> None:
    successor, institution = await caller.institution(), await caller.institution()
    who = _young(RNG)
    student = await verified_student(caller, tap, who)
    await account_known(caller, student)
    number = f"V{RNG.randrange(10**6)}"
    first = await report(caller, institution, "student-status", number, student_status_body(who))
    await report(
        caller,
        institution,
        "student-status",
        number,
        student_status_body(who, status="suspended", status_date="2020-03-01"),
    )
    await report(
        caller,
        institution,
        "student-status",
        number,
        student_status_body(who, major="软件工程", status="resumed", status_date="2021-03-01"),
    )
    merge = await caller.http.patch(
        f"{caller.stack.url}/institutions/{institution}",
        json={"status": "merged", "successor_id": successor, "reason": "院校合并"},
        headers=await caller.operator(),
    )
    assert merge.status_code == 200, merge.text
    masked = who.id_number[:3] + "*" * 11 + who.id_number[-4:]

    detail = await caller.http.get(
        f"{caller.stack.url}/me/student-status/{first['id']}", headers=student.headers
    )
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert who.id_number not in detail.text
    assert body["record"]["version"] == 3 and body["record"]["major"] == "软件工程"
    assert body["record"]["status"] == "resumed" and body["record"]["id_number_masked"] == masked
    assert body["record"]["study_years"] == "4.0" and body["record"]["has_photo"] is False
    # Versions newest first, each with the facts of its time and the ID number masked.
    assert [v["version"] for v in body["versions"]] == [3, 2, 1]
    assert [v["facts"]["major"] for v in body["versions"]] == [
        "软件工程",
        "计算机科学与技术",
        "计算机科学与技术",
    ]
    assert all(v["facts"]["id_number_masked"] == masked for v in body["versions"])
    assert all(v["created_at"].endswith("Z") for v in body["versions"])
    # Status changes in the order they took effect.
    assert [(c["status"], c["effective_on"], c["version"]) for c in body["status_changes"]] == [
        ("enrolled", "2019-09-01", 1),
        ("suspended", "2020-03-01", 2),
        ("resumed", "2021-03-01", 3),
    ]
    # The issuing institution keeps its name, now shown as merged into its successor.
    assert body["institution"]["id"] == institution
    assert body["institution"]["status"] == "merged"
    assert body["institution"]["successor"]["id"] == successor
    assert body["institution"]["successor"]["name_zh"] == f"测试大学{successor[-4:]}"

    listing = await caller.http.get(f"{caller.stack.url}/me/records", headers=student.headers)
    (entry,) = listing.json()["items"]
    assert entry["id"] == first["id"] and entry["status"] == "resumed"
    assert entry["major"] == "软件工程" and entry["date"] == "2019-09-01"
    assert entry["institution"]["successor"]["id"] == successor

    # Operators see the same, with the owning account.
    support = await caller.http.get(
        f"{caller.stack.url}/support/student-status/{first['id']}",
        headers=await caller.operator(),
    )
    assert support.status_code == 200
    assert {k: v for k, v in support.json().items() if k != "owner_id"} == body
    assert support.json()["owner_id"] == str(student.user_id)
