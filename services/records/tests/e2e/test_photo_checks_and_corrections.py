"""Record photos, photo checks and corrections against real processes: identity (a real
student registers and activates their e-mail), records (with a movable clock: the 24-hour
window is crossed by moving the clock, never by sleeping), notification with the development
SMTP sink and SMS carrier (the student's notices arrive as real mail)."""

import asyncio
import io
import random
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from PIL import Image

from educert_common.db import Database
from educert_common.events.catalogue import RecordBound
from educert_common.settings import PlatformSettings
from educert_common.testing.clock import MovableClock
from educert_common.testing.events import consumer_count, publish
from educert_common.testing.people import Person, person, resident_id
from educert_common.testing.processes import RunningProcess, free_port
from educert_common.testing.tokens import Tokens
from educert_common.testing.waiting import wait_until
from notification.config import NotificationSettings
from notification.testing import envelope
from records.config import RecordsSettings
from records.testing import Caller, Stack, Subscriber, student_status_body

pytestmark = pytest.mark.e2e
RNG = random.Random()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Mail:
    notification: RunningProcess
    admin: dict[str, str]
    database: Database

    async def to(self, address: str, subject_part: str) -> dict[str, Any]:
        """Wait for a mail to `address` whose subject contains `subject_part`; its detail."""
        async with httpx.AsyncClient(base_url=self.notification.url, timeout=10) as http:

            async def arrived() -> dict[str, Any] | None:
                listed = await http.get(
                    "/api/v1/notification/dev/mail", params={"to": address}, headers=self.admin
                )
                assert listed.status_code == 200, listed.text
                for item in listed.json()["items"]:
                    if subject_part in (item["subject"] or ""):
                        detail = await http.get(
                            f"/api/v1/notification/dev/mail/{item['id']}", headers=self.admin
                        )
                        return dict(detail.json())
                return None

            return await wait_until(arrived, timeout=30, message=f"mail {subject_part}")


@pytest.fixture(scope="module")
def clock(tmp_path_factory: pytest.TempPathFactory) -> MovableClock:
    return MovableClock(tmp_path_factory.mktemp("clock") / "offset")


# Replaces the conftest's `stack` for this module: records runs with the movable clock and a
# quick photo-check sweep, identity with room for the registrations of this module.
@pytest.fixture(scope="module")
async def stack(
    migrated_services: None,
    subscriber: Subscriber,
    clock: MovableClock,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Stack]:
    log_dir = tmp_path_factory.mktemp("records-corrections")
    identity_port, records_port = free_port(), free_port()
    env = {
        "EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{identity_port}",
        "EDUCERT_RECORDS_URL": f"http://127.0.0.1:{records_port}",
        "RECORDS_STORAGE_ROOT": str(log_dir / "storage"),
        "RECORDS_CLOCK_OFFSET_FILE": str(clock.path),
        "RECORDS_PHOTO_CHECK_SWEEP_SECONDS": "0.3",
        "IDENTITY_REGISTRATION_DAILY_CAP_PER_IP": "1000",
        "IDENTITY_CODE_DAILY_CAP_PER_IP": "100000",
        "IDENTITY_STORAGE_ROOT": str(log_dir / "identity-storage"),
    }
    identity = RunningProcess(
        "identity", "identity.main:create_app", port=identity_port, env=env, log_dir=log_dir
    )
    records = RunningProcess(
        "records", "records.main:create_app", port=records_port, env=env, log_dir=log_dir
    )
    # Identity first: a records process that starts while identity is down polls for
    # revocations and may refuse tokens for a moment after it reports ready.
    identity.start()
    database = Database.connect(RecordsSettings().resolved_database_url(), pool_size=4)
    running = Stack(identity, records, env, log_dir, database, subscriber)
    try:
        await identity.wait_ready(timeout=60)
        records.start()
        await records.wait_ready(timeout=60)
        yield running
    finally:
        running.records.stop()
        identity.stop()
        await database.dispose()


@pytest.fixture(scope="module")
async def mail(stack: Stack, tokens: Tokens) -> AsyncIterator[Mail]:
    """Notification with the development SMTP sink and SMS carrier, consuming events."""
    smtp_port = free_port()
    base = {"NOTIFICATION_SMTP_PORT": str(smtp_port)}
    carrier = RunningProcess(
        "sms-carrier", "notification.devtools.carrier:create_app", env=base, log_dir=stack.log_dir
    ).start()
    sink = RunningProcess(
        "smtp-sink", "notification.devtools.smtp_sink:create_app", env=base, log_dir=stack.log_dir
    ).start()
    notification: RunningProcess | None = None
    database = Database.connect(NotificationSettings().resolved_database_url(), pool_size=2)
    try:
        await asyncio.gather(carrier.wait_ready(), sink.wait_ready())
        notification = RunningProcess(
            "notification",
            "notification.main:create_app",
            env={
                **base,
                "NOTIFICATION_SMS_CARRIER_URL": carrier.url,
                "NOTIFICATION_DELIVERY_BACKOFF_BASE_SECONDS": "0.05",
                "NOTIFICATION_DELIVERY_POLL_SECONDS": "0.2",
                "EDUCERT_IDENTITY_URL": stack.identity.url,
            },
            log_dir=stack.log_dir,
        ).start()
        await notification.wait_ready(timeout=60)
        queue = f"{PlatformSettings().broker_prefix}notification.events"

        async def consuming() -> bool:
            return await consumer_count(queue) > 0

        await wait_until(consuming, timeout=20, message="notification consuming")
        admin = await tokens.mint(f"admin-{uuid.uuid4()}", roles=("admin",))
        yield Mail(notification, {"Authorization": f"Bearer {admin}"}, database)
    finally:
        if notification is not None:
            notification.stop()
        sink.stop()
        carrier.stop()
        await database.dispose()


def jpeg(size: tuple[int, int] = (300, 400), *, exif: bool = False, seed: int = 0) -> bytes:
    image = Image.new("RGB", size, (seed % 256, 120, 200))
    out = io.BytesIO()
    if exif:
        metadata = Image.Exif()
        metadata[0x010F] = "SpyCam Inc."  # Make
        metadata[0x0132] = "2020:01:01 10:00:00"  # DateTime
        image.save(out, format="JPEG", exif=metadata.tobytes())
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def png(size: tuple[int, int] = (300, 400)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, format="PNG")
    return out.getvalue()


async def reported(caller: Caller, institution: str, who: Person) -> dict[str, Any]:
    staff = await caller.staff(institution)
    number = f"S{RNG.randrange(10**8):08d}"
    response = await caller.http.put(
        f"{caller.stack.url}/institutions/{institution}/student-status/{number}",
        json=student_status_body(who),
        headers=staff,
    )
    assert response.status_code == 201, response.text
    return dict(response.json()["record"])


async def bind(stack: Stack, record_id: str, user_id: uuid.UUID) -> None:
    # Binding (item 4) is another part of issue 9; until it lands the tests bind in the DB.
    await stack.execute(
        "UPDATE student_status_records SET owner_id = :user, bound_at = now(), "
        "bound_via = 'manual' WHERE id = :id",
        user=user_id,
        id=uuid.UUID(record_id),
    )


async def test_staff_put_a_photo_as_a_new_version_without_exif_and_bad_uploads_are_refused(
    caller: Caller,
) -> None:
    institution, other = await caller.institution(), await caller.institution()
    staff = await caller.staff(institution)
    who = person(RNG, born_after=date(1996, 1, 1))
    record = await reported(caller, institution, who)
    base = (
        f"{caller.stack.url}/institutions/{institution}/student-status/{record['student_number']}"
    )
    photo = jpeg(exif=True)
    assert Image.open(io.BytesIO(photo)).getexif()  # the upload does carry EXIF

    put = await caller.http.put(
        f"{base}/photo", files={"photo": ("p.jpg", photo)}, data={"reason": "新照片"}, headers=staff
    )
    assert put.status_code == 200, put.text
    assert put.json() == {"changed": True, "version": 2}
    again = await caller.http.put(f"{base}/photo", files={"photo": ("p.jpg", photo)}, headers=staff)
    assert again.json() == {"changed": False, "version": 2}
    stored = await caller.http.get(f"{base}/photo", headers=staff)
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
    assert not Image.open(io.BytesIO(stored.content)).getexif()
    assert Image.open(io.BytesIO(stored.content)).size == (300, 400)
    versions = (await caller.http.get(f"{base}/versions", headers=staff)).json()
    assert [(v["version"], v["source"], v["reason"]) for v in versions] == [
        (2, "photo", "新照片"),
        (1, "api", None),
    ]
    # The photo is not a reported fact: the same facts again change nothing, photo kept.
    same = await caller.http.put(base, json=student_status_body(who), headers=staff)
    assert same.json()["changed"] is False and same.json()["record"]["has_photo"] is True

    refusals = [
        ({"photo": ("p.pdf", PDF)}, staff, 415, "file_type_not_allowed"),
        ({"photo": ("big.jpg", b"\xff\xd8\xff" + b"0" * (2 * 1024 * 1024))}, staff, 413, None),
        ({"photo": ("tiny.jpg", jpeg((20, 20)))}, staff, 422, "image_too_small"),
        ({"photo": ("p.jpg", jpeg(seed=9))}, await caller.staff(other), 403, None),
    ]
    for files, headers, status, code in refusals:
        response = await caller.http.put(f"{base}/photo", files=files, headers=headers)
        assert response.status_code == status, response.text
        if code:
            assert response.json()["errors"][0] == {**response.json()["errors"][0], "code": code}
            assert response.json()["errors"][0]["field"] == "photo"
    rows = await caller.stack.rows(
        "SELECT version FROM record_versions WHERE record_id = :id", id=uuid.UUID(record["id"])
    )
    assert sorted(r.version for r in rows) == [1, 2]  # nothing refused left a version


async def test_the_24_hour_window_moves_with_each_change_then_the_answer_is_final(
    caller: Caller, clock: MovableClock
) -> None:
    institution = await caller.institution()
    who = person(RNG, born_after=date(1996, 1, 1))
    record = await reported(caller, institution, who)
    user_id, student = await caller.student()
    _, stranger = await caller.student()
    await bind(caller.stack, record["id"], user_id)
    url = f"{caller.stack.url}/me/photo-checks/student_status/{record['id']}"

    view = await caller.http.get(url, headers=student)
    assert view.status_code == 200 and view.json()["check"] is None
    assert view.json()["id_number_masked"] == record["id_number_masked"]
    assert who.id_number not in view.text
    assert (await caller.http.get(url, headers=stranger)).status_code == 404
    refused = await caller.http.put(url, json={"conclusion": "correct"}, headers=stranger)
    assert refused.status_code == 404
    bad = await caller.http.put(url, json={"conclusion": "wrong"}, headers=student)
    assert bad.status_code == 422 and "wrong_fields" in bad.text

    first = await caller.http.put(
        url, json={"conclusion": "wrong", "wrong_fields": ["name"]}, headers=student
    )
    assert first.status_code == 201, first.text
    clock.advance(hours=23)
    changed = await caller.http.put(url, json={"conclusion": "correct"}, headers=student)
    assert changed.status_code == 200, changed.text
    # Each change gives the answer a fresh 24 hours: 46 hours after the first, still open.
    clock.advance(hours=23)
    last = await caller.http.put(
        url, json={"conclusion": "wrong", "wrong_fields": ["photo", "name"]}, headers=student
    )
    assert last.status_code == 200, last.text
    check = last.json()["check"]
    assert check["final"] is False and check["conclusion"] == "wrong"
    effective = datetime.fromisoformat(check["effective_at"])
    assert abs((effective - clock.now()) - timedelta(hours=24)) < timedelta(minutes=1)
    assert caller.stack.subscriber.of("records.photo_check.concluded", record_id=record["id"]) == []

    clock.advance(hours=24, minutes=1)
    final = await caller.http.put(url, json={"conclusion": "correct"}, headers=student)
    assert final.status_code == 409 and final.json()["code"] == "photo_check_final"
    shown = (await caller.http.get(url, headers=student)).json()["check"]
    assert shown["final"] is True and shown["conclusion"] == "wrong"
    correction_id = shown["correction_id"]
    assert correction_id is not None

    event = await caller.stack.subscriber.wait_for(
        "records.photo_check.concluded", record_id=record["id"]
    )
    assert event["data"]["wrong_fields"] == ["photo", "name"]
    assert event["data"]["correction_id"] == correction_id
    await caller.stack.subscriber.wait_for(
        "records.correction.requested", correction_id=correction_id
    )
    # "Wrong" opened a correction request for the named fields, in the institution's queue.
    opened = (
        await caller.http.get(f"{caller.stack.url}/me/corrections/{correction_id}", headers=student)
    ).json()
    assert (opened["origin"], opened["fields"], opened["status"]) == (
        "photo_check",
        ["photo", "name"],
        "open",
    )
    staff = await caller.staff(institution)
    queue = await caller.http.get(
        f"{caller.stack.url}/institutions/{institution}/corrections",
        params={"status": "open"},
        headers=staff,
    )
    assert [c["id"] for c in queue.json()["items"]] == [correction_id]

    # An operator decides it, giving the value the photo check could not.
    operator = await caller.operator()
    decision = f"{caller.stack.url}/corrections/{correction_id}/decision"
    missing = await caller.http.post(decision, json={"decision": "accept"}, headers=operator)
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "values.name"
    accepted = await caller.http.post(
        decision,
        json={"decision": "accept", "reason": "核对档案", "values": {"name": who.name + "华"}},
        headers=operator,
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["applied_version"] == 2
    versions = await caller.stack.rows(
        "SELECT version, source, facts->>'name' AS name FROM record_versions "
        "WHERE record_id = :id ORDER BY version",
        id=uuid.UUID(record["id"]),
    )
    assert [(v.version, v.source, v.name) for v in versions][-1] == (
        2,
        f"correction:{correction_id}",
        who.name + "华",
    )

    # Once: the job sweeps every 0.3 s, and reads came after the conclusion too.
    await caller.stack.subscriber.wait_for(
        "records.correction.decided", correction_id=correction_id
    )
    assert (
        len(caller.stack.subscriber.of("records.photo_check.concluded", record_id=record["id"]))
        == 1
    )
    rows = await caller.stack.rows(
        "SELECT count(*) AS n FROM outbox_events "
        "WHERE event_type = 'records.photo_check.concluded' "
        "AND payload->'data'->>'record_id' = :id",
        id=record["id"],
    )
    assert rows[0].n == 1


async def test_the_background_job_concludes_a_check_nobody_reads(
    caller: Caller, clock: MovableClock
) -> None:
    institution = await caller.institution()
    record = await reported(caller, institution, person(RNG, born_after=date(1996, 1, 1)))
    user_id, student = await caller.student()
    await bind(caller.stack, record["id"], user_id)
    url = f"{caller.stack.url}/me/photo-checks/student_status/{record['id']}"
    answered = await caller.http.put(url, json={"conclusion": "correct"}, headers=student)
    assert answered.status_code == 201
    clock.advance(hours=24, seconds=5)
    event = await caller.stack.subscriber.wait_for(
        "records.photo_check.concluded", record_id=record["id"]
    )
    assert event["data"]["conclusion"] == "correct" and event["data"]["correction_id"] is None
    rows = await caller.stack.rows(
        "SELECT concluded_at, correction_id FROM photo_checks WHERE record_id = :id",
        id=uuid.UUID(record["id"]),
    )
    assert rows[0].concluded_at is not None and rows[0].correction_id is None
    assert (await caller.http.get(url, headers=student)).json()["check"]["final"] is True


async def register_student(caller: Caller, mail: Mail, who: Person) -> tuple[uuid.UUID, str]:
    """Register through identity, activate the e-mail from the link in the real mail, and
    wait until notification knows the verified address (identity.user.contacts_changed)."""
    tag = f"{RNG.randrange(10**8):08d}"
    address = f"stu{tag}@example.com"
    api = f"{caller.stack.identity.url}/api/v1/identity"
    registered = await caller.http.post(
        f"{api}/registrations",
        json={
            "real_name": who.name,
            "nationality": "CN",
            "gender": who.gender,
            "id_type": "resident_id",
            "id_number": who.id_number,
            "id_valid_from": "2020-01-01",
            "id_valid_to": "2040-01-01",
            "mobile": f"139{tag}",
            "email": address,
            "password": f"Tr0ub4dor{tag}x",
            "locale": "zh",
        },
    )
    assert registered.status_code == 201, registered.text
    user_id = uuid.UUID(registered.json()["user_id"])
    activation = await mail.to(address, "激活")
    token = re.search(r"token=([^\s\"<&]+)", activation["text"]).group(1)  # type: ignore[union-attr]
    activated = await caller.http.post(f"{api}/email/activation", json={"token": token})
    assert activated.status_code == 200, activated.text

    async def verified() -> bool:
        async with mail.database.transaction() as session:
            from sqlalchemy import text

            value = await session.scalar(
                text("SELECT email_verified FROM recipients WHERE user_id = :id"),
                {"id": user_id},
            )
        return bool(value)

    await wait_until(verified, timeout=30, message="notification knows the verified e-mail")
    return user_id, address


async def test_corrections_accepted_and_rejected_reach_the_student_by_mail(
    caller: Caller, mail: Mail, tokens: Tokens, clock: MovableClock
) -> None:
    institution, other = await caller.institution(), await caller.institution()
    who = person(RNG, born_after=date(1996, 1, 1))
    user_id, address = await register_student(caller, mail, who)
    student = {"Authorization": f"Bearer {await tokens.mint(str(user_id))}"}
    _, stranger = await caller.student()
    record = await reported(caller, institution, who)
    await bind(caller.stack, record["id"], user_id)
    staff, foreign_staff = await caller.staff(institution), await caller.staff(other)
    url = f"{caller.stack.url}/me/corrections"

    # Binding (another part of issue 9) emits records.record.bound; its notice is routed here.
    await publish(
        envelope(
            RecordBound(
                record_id=uuid.UUID(record["id"]),
                kind="student_status",
                institution_id=institution,
                user_id=user_id,
                method="manual",
            ),
            source="records",
            subject=record["id"],
        )
    )
    joined = await mail.to(address, "记录已加入学信档案")
    assert "学籍" in joined["text"] and who.id_number not in joined["text"]

    # The photo check's conclusion reaches the student when it takes effect.
    check = await caller.http.put(
        f"{caller.stack.url}/me/photo-checks/student_status/{record['id']}",
        json={"conclusion": "correct"},
        headers=student,
    )
    assert check.status_code == 201, check.text
    clock.advance(hours=24, seconds=1)
    concluded = await mail.to(address, "图像校对结论已生效")
    assert "学籍" in concluded["text"] and "信息正确" in concluded["text"]

    filed = await caller.http.post(
        url,
        data={
            "kind": "student_status",
            "record_id": record["id"],
            "fields": '{"name": "张更正"}',
            "note": "户口本上的姓名",
        },
        files=[("evidence", ("a.pdf", PDF)), ("evidence", ("b.png", png()))],
        headers=student,
    )
    assert filed.status_code == 201, filed.text
    correction = filed.json()
    assert correction["proposed"] == {"name": "张更正"} and correction["status"] == "open"
    assert [e["media_type"] for e in correction["evidence"]] == ["application/pdf", "image/png"]
    second = await caller.http.post(
        url,
        data={"kind": "student_status", "record_id": record["id"], "fields": '{"major": "数学"}'},
        headers=student,
    )
    assert second.status_code == 409 and second.json()["code"] == "correction_already_open"
    receipt = await mail.to(address, "更正申请已提交")
    assert "姓名" in receipt["text"]

    one = f"{caller.stack.url}/corrections/{correction['id']}"
    evidence = correction["evidence"][0]["id"]
    mine = await caller.http.get(f"{url}/{correction['id']}/evidence/{evidence}", headers=student)
    theirs = await caller.http.get(f"{one}/evidence/{evidence}", headers=staff)
    assert mine.content == PDF and theirs.content == PDF
    assert mine.headers["content-type"] == "application/octet-stream"
    assert mine.headers["content-disposition"].endswith('.pdf"')
    for response in (
        await caller.http.get(f"{url}/{correction['id']}", headers=stranger),
        await caller.http.get(f"{url}/{correction['id']}/evidence/{evidence}", headers=stranger),
        await caller.http.get(one, headers=foreign_staff),
        await caller.http.get(f"{one}/evidence/{evidence}", headers=foreign_staff),
        await caller.http.post(
            f"{one}/decision", json={"decision": "reject", "reason": "x"}, headers=foreign_staff
        ),
    ):
        assert response.status_code == 404, response.text
    partner = await caller.partner(institution, "records:import", "records:read")
    refused = await caller.http.post(
        f"{one}/decision", json={"decision": "reject", "reason": "x"}, headers=partner
    )
    assert refused.status_code == 403

    accepted = await caller.http.post(
        f"{one}/decision", json={"decision": "accept", "reason": "已核实户籍证明"}, headers=staff
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted" and accepted.json()["applied_version"] == 2
    twice = await caller.http.post(
        f"{one}/decision", json={"decision": "reject", "reason": "重复"}, headers=staff
    )
    assert twice.status_code == 409 and twice.json()["code"] == "correction_already_decided"
    current = await caller.http.get(
        f"{caller.stack.url}/institutions/{institution}/student-status/{record['student_number']}",
        headers=staff,
    )
    assert current.json()["name"] == "张更正" and current.json()["version"] == 2
    done = await mail.to(address, "更正申请已处理")
    assert "已通过" in done["text"] and "已核实户籍证明" in done["text"]

    rejected_request = await caller.http.post(
        url,
        data={"kind": "student_status", "record_id": record["id"], "fields": '{"major": "数学"}'},
        files=[("evidence", ("c.jpg", jpeg()))],
        headers=student,
    )
    assert rejected_request.status_code == 201, rejected_request.text
    rejected = await caller.http.post(
        f"{caller.stack.url}/corrections/{rejected_request.json()['id']}/decision",
        json={"decision": "reject", "reason": "证明材料不足"},
        headers=staff,
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"

    # Two decisions, two mails: wait for the one about the rejection.
    async with httpx.AsyncClient(base_url=mail.notification.url, timeout=10) as http:

        async def both() -> list[str] | None:
            listed = await http.get(
                "/api/v1/notification/dev/mail", params={"to": address}, headers=mail.admin
            )
            texts = []
            for item in listed.json()["items"]:
                if "更正申请已处理" in (item["subject"] or ""):
                    detail = await http.get(
                        f"/api/v1/notification/dev/mail/{item['id']}", headers=mail.admin
                    )
                    texts.append(detail.json()["text"])
            return texts if len(texts) == 2 else None

        texts = await wait_until(both, timeout=30, message="the rejection mail")
    assert any("未通过" in t and "证明材料不足" in t for t in texts)
    versions = await caller.stack.rows(
        "SELECT count(*) AS n FROM record_versions WHERE record_id = :id",
        id=uuid.UUID(record["id"]),
    )
    assert versions[0].n == 2  # the rejection wrote no version
    everything = await caller.http.get(
        f"{caller.stack.url}/institutions/{institution}/corrections", headers=staff
    )
    assert who.id_number not in everything.text
    inbox = await caller.http.get(
        f"{mail.notification.url}/api/v1/notification/inbox", headers=student
    )
    assert who.id_number not in inbox.text and "更正申请" in inbox.text
    assert not [m for m in caller.stack.subscriber.messages if who.id_number in str(m)]


async def test_bad_evidence_and_bad_values_are_refused_and_nothing_is_filed(
    caller: Caller,
) -> None:
    institution = await caller.institution()
    who = person(RNG, born_after=date(1996, 1, 1))
    record = await reported(caller, institution, who)
    user_id, student = await caller.student()
    await bind(caller.stack, record["id"], user_id)
    url = f"{caller.stack.url}/me/corrections"
    form = {"kind": "student_status", "record_id": record["id"], "fields": '{"name": "李四"}'}

    cases = [
        ([("evidence", ("a.txt", b"just some text, not a document"))], 415, "evidence[0]"),
        (
            [("evidence", ("a.pdf", PDF)), ("evidence", ("b.pdf", PDF + b"0" * 5 * 1024 * 1024))],
            413,
            "evidence[1]",
        ),
        ([("evidence", (f"{i}.pdf", PDF)) for i in range(6)], 422, "evidence"),
    ]
    for files, status, field in cases:
        response = await caller.http.post(url, data=form, files=files, headers=student)
        assert response.status_code == status, response.text
        assert response.json()["errors"][0]["field"] == field
    for fields, field in (
        ('{"birth_date": "not-a-date"}', "fields.birth_date"),
        ('{"id_number": "12345"}', "fields.id_number"),
        ('{"photo": "x"}', "fields.photo"),
    ):
        response = await caller.http.post(url, data={**form, "fields": fields}, headers=student)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field, response.text
    unknown = await caller.http.post(
        url, data={**form, "fields": '{"salary": "1"}'}, headers=student
    )
    assert unknown.status_code == 422
    rows = await caller.stack.rows(
        "SELECT count(*) AS n FROM corrections WHERE record_id = :id", id=uuid.UUID(record["id"])
    )
    assert rows[0].n == 0

    # A proposed ID number is sealed: masked in the view, absent from the audit and events.
    proposed = resident_id(who.birth_date, who.gender, region="110102", order=7)
    filed = await caller.http.post(
        url, data={**form, "fields": f'{{"id_number": "{proposed}"}}'}, headers=student
    )
    assert filed.status_code == 201, filed.text
    assert proposed not in filed.text
    assert filed.json()["proposed"]["id_number_masked"].endswith(proposed[-4:])
    audit = await caller.stack.rows(
        "SELECT after::text AS after FROM audit_entries WHERE subject_id = :id",
        id=filed.json()["id"],
    )
    assert audit and all(proposed not in a.after for a in audit)


async def test_concurrent_filings_and_decisions_leave_one_request_and_one_decision(
    caller: Caller,
) -> None:
    institution = await caller.institution()
    record = await reported(caller, institution, person(RNG, born_after=date(1996, 1, 1)))
    user_id, student = await caller.student()
    await bind(caller.stack, record["id"], user_id)
    form = {"kind": "student_status", "record_id": record["id"], "fields": '{"major": "物理学"}'}

    filings = await asyncio.gather(
        *(
            caller.http.post(f"{caller.stack.url}/me/corrections", data=form, headers=student)
            for _ in range(4)
        )
    )
    assert sorted(r.status_code for r in filings) == [201, 409, 409, 409]
    (created,) = [r.json() for r in filings if r.status_code == 201]

    staff = await caller.staff(institution)
    decision = f"{caller.stack.url}/corrections/{created['id']}/decision"
    decisions = await asyncio.gather(
        caller.http.post(decision, json={"decision": "accept"}, headers=staff),
        caller.http.post(decision, json={"decision": "reject", "reason": "不符"}, headers=staff),
        caller.http.post(decision, json={"decision": "accept"}, headers=await caller.operator()),
    )
    assert sorted(r.status_code for r in decisions) == [200, 409, 409]
    events = await caller.stack.rows(
        "SELECT count(*) AS n FROM outbox_events WHERE event_type = 'records.correction.decided' "
        "AND payload->'data'->>'correction_id' = :id",
        id=created["id"],
    )
    assert events[0].n == 1
