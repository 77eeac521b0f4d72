"""Institutions and one-by-one reporting against a real records process: versions, the 1991
rule, certificate numbers held by other institutions, and who may touch what."""

from datetime import date

from educert_common.testing.people import Person, person, resident_id
from records.testing import (
    RNG,
    Caller,
    qualification_body,
    student_status_body,
)


async def test_a_report_creates_a_record_a_change_a_version_and_a_repeat_nothing(
    caller: Caller,
) -> None:
    institution = await caller.institution()
    staff = await caller.staff(institution)
    who = person(RNG, born_after=date(1999, 1, 1))
    url = f"{caller.stack.url}/institutions/{institution}/student-status/S2019001"

    first = await caller.http.put(
        url, json=student_status_body(who, reason="新生注册"), headers=staff
    )
    assert first.status_code == 201, first.text
    record = first.json()["record"]
    assert first.json()["changed"] is True
    assert record["version"] == 1
    assert record["id_number_masked"] == who.id_number[:3] + "*" * 11 + who.id_number[-4:]
    assert who.id_number not in first.text

    again = await caller.http.put(url, json=student_status_body(who), headers=staff)
    assert again.status_code == 200
    assert again.json()["changed"] is False
    assert again.json()["record"]["version"] == 1

    changed = await caller.http.put(
        url,
        json=student_status_body(who, status="suspended", status_date="2021-03-01", reason="病休"),
        headers=staff,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["record"]["version"] == 2
    assert changed.json()["record"]["status"] == "suspended"

    versions = (await caller.http.get(f"{url}/versions", headers=staff)).json()
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["reason"] == "病休" and versions[1]["reason"] == "新生注册"
    assert versions[0]["facts"]["status"] == "suspended"
    assert who.id_number not in str(versions)
    history = (await caller.http.get(f"{url}/status-changes", headers=staff)).json()
    assert [(h["status"], h["effective_on"]) for h in history] == [
        ("enrolled", "2019-09-01"),
        ("suspended", "2021-03-01"),
    ]
    events = [
        m
        for m in caller.stack.subscriber.messages
        if m["type"] == "records.record.reported" and m["subject"] == record["id"]
    ]
    await caller.stack.subscriber.wait_for(
        "records.record.reported", record_id=record["id"], version=2
    )
    assert all(who.id_number not in str(m) for m in events)
    audit = await caller.stack.rows(
        "SELECT action FROM audit_entries WHERE subject_id = :id ORDER BY occurred_at",
        id=record["id"],
    )
    assert [a.action for a in audit] == ["record.reported", "record.changed"]


async def test_records_before_1991_are_refused_naming_the_field(caller: Caller) -> None:
    institution = await caller.institution()
    staff = await caller.staff(institution)
    who = person(RNG, born_after=date(1960, 1, 1))
    response = await caller.http.put(
        f"{caller.stack.url}/institutions/{institution}/student-status/OLD1",
        json=student_status_body(
            who, birth_date=who.birth_date.isoformat(), enrollment_date="1990-09-01"
        ),
        headers=staff,
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any(e["field"] == "enrollment_date" and e["code"] == "before_1991" for e in errors)
    rows = await caller.stack.rows(
        "SELECT 1 FROM student_status_records WHERE institution_id = :i", i=institution
    )
    assert rows == []


async def test_a_bad_row_names_every_field_at_once(caller: Caller) -> None:
    institution = await caller.institution()
    staff = await caller.staff(institution)
    who = person(RNG, born_after=date(1999, 1, 1))
    wrong_check_digit = who.id_number[:-1] + ("0" if who.id_number[-1] != "0" else "1")
    response = await caller.http.put(
        f"{caller.stack.url}/institutions/{institution}/student-status/S1",
        json=student_status_body(
            who,
            id_number=wrong_check_digit,
            gender="female" if who.gender == "male" else "male",
            study_years="3.3",
        ),
        headers=staff,
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"id_number", "study_years"} <= fields


async def test_a_certificate_number_of_another_institution_is_refused(caller: Caller) -> None:
    first, second = await caller.institution(), await caller.institution()
    who = person(RNG, born_after=date(1999, 1, 1))
    body = qualification_body(who, first)
    created = await caller.http.put(
        f"{caller.stack.url}/institutions/{first}/qualifications/Q1",
        json=body,
        headers=await caller.staff(first),
    )
    assert created.status_code == 201, created.text
    # The second institution reports the first one's e-registration number: refused, by the
    # school code it begins with, and nothing of the first record changes.
    stolen = await caller.http.put(
        f"{caller.stack.url}/institutions/{second}/qualifications/Q1",
        json=body,
        headers=await caller.staff(second),
    )
    assert stolen.status_code == 422
    assert stolen.json()["errors"][0]["code"] == "certificate_other_institution"
    # An old-style own number (1991-2000) held by another institution: 409.
    born = date(1972, 5, 4)
    elder = Person("赵国庆", "male", born, resident_id(born, "male", order=77))
    old = qualification_body(
        elder,
        first,
        certificate_number="BJ1995-0042",
        graduation_date="1995-07-01",
        enrollment_date="1991-09-01",
    )
    mine = await caller.http.put(
        f"{caller.stack.url}/institutions/{first}/qualifications/Q2",
        json=old,
        headers=await caller.staff(first),
    )
    assert mine.status_code == 201, mine.text
    theirs = await caller.http.put(
        f"{caller.stack.url}/institutions/{second}/qualifications/Q9",
        json=old,
        headers=await caller.staff(second),
    )
    assert theirs.status_code == 409
    assert theirs.json()["code"] == "record_owned_elsewhere"


async def test_staff_and_partners_act_only_on_their_own_institution(caller: Caller) -> None:
    mine, other = await caller.institution(), await caller.institution()
    who = person(RNG, born_after=date(1999, 1, 1))
    url = f"{caller.stack.url}/institutions/{other}/student-status/S1"
    assert (
        await caller.http.put(url, json=student_status_body(who), headers=await caller.staff(mine))
    ).status_code == 403
    assert (await caller.http.get(url, headers=await caller.staff(mine))).status_code == 403
    reader = await caller.partner(mine, "records:read")
    own = f"{caller.stack.url}/institutions/{mine}/student-status/S1"
    assert (
        await caller.http.put(own, json=student_status_body(who), headers=reader)
    ).status_code == 403
    importer = await caller.partner(mine, "records:import")
    assert (
        await caller.http.put(own, json=student_status_body(who), headers=importer)
    ).status_code == 201
    _, student = await caller.student()
    assert (await caller.http.get(own, headers=student)).status_code == 403
    assert (await caller.http.get(own, headers=reader)).status_code == 200


async def test_a_merged_institution_no_longer_reports(caller: Caller) -> None:
    successor, merged = await caller.institution(), await caller.institution()
    who = person(RNG, born_after=date(1999, 1, 1))
    staff = await caller.staff(merged)
    url = f"{caller.stack.url}/institutions/{merged}/student-status/S1"
    assert (
        await caller.http.put(url, json=student_status_body(who), headers=staff)
    ).status_code == 201
    merge = await caller.http.patch(
        f"{caller.stack.url}/institutions/{merged}",
        json={"status": "merged", "successor_id": successor, "reason": "院校合并"},
        headers=await caller.operator(),
    )
    assert merge.status_code == 200, merge.text
    assert merge.json()["successor_id"] == successor
    refused = await caller.http.put(
        url, json=student_status_body(who, major="软件工程"), headers=staff
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "institution_inactive"
    # What it reported stays readable, under the name it was issued with.
    assert (await caller.http.get(url, headers=staff)).json()["major"] == "计算机科学与技术"
    # Merging needs an active successor; a missing one is named.
    bad = await caller.http.patch(
        f"{caller.stack.url}/institutions/{successor}",
        json={"status": "merged", "reason": "x合并"},
        headers=await caller.operator(),
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "successor_id"


async def test_only_operators_manage_institutions(caller: Caller) -> None:
    institution = await caller.institution()
    staff = await caller.staff(institution)
    body = {
        "id": "4199000001",
        "name_zh": "冒名大学",
        "name_en": "Fake University",
        "province": "北京市",
        "kind": "undergraduate",
    }
    assert (
        await caller.http.post(f"{caller.stack.url}/institutions", json=body, headers=staff)
    ).status_code == 403
    duplicate = await caller.http.post(
        f"{caller.stack.url}/institutions",
        json={**body, "id": institution},
        headers=await caller.operator(),
    )
    assert duplicate.status_code == 409
    short = await caller.http.post(
        f"{caller.stack.url}/institutions",
        json={**body, "id": "12345"},
        headers=await caller.operator(),
    )
    assert short.status_code == 422
    found = await caller.http.get(
        f"{caller.stack.url}/institutions/{institution}", headers=(await caller.student())[1]
    )
    assert found.status_code == 200 and found.json()["status"] == "active"


async def test_a_null_leaves_a_required_institution_field_as_it_was(caller: Caller) -> None:
    institution = await caller.institution()
    response = await caller.http.patch(
        f"{caller.stack.url}/institutions/{institution}",
        json={"kind": None, "status": None, "name_zh": None, "city": None, "reason": "核对"},
        headers=await caller.operator(),
    )
    assert response.status_code == 200, response.text
    assert response.json()["kind"] == "undergraduate"
    assert response.json()["status"] == "active"
