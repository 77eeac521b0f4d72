"""Photo upload (学历照片上传) against real processes: identity (registration, real-name
verification and the registry check of the attempt), payment with its provider sandbox (the
2 CNY order is paid in the sandbox), records (its registry job asking identity) and
notification (the student's inbox). The paid attempt goes end to end: upload, pay, registry
check, inbox message, staff approval, the record's photo replaced by a new version, and a new
report showing it; and each bad input or access is refused."""

import asyncio
import base64
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
from PIL import Image

from educert_common.db import Database
from educert_common.settings import PlatformSettings
from educert_common.testing.events import consumer_count, recording
from educert_common.testing.processes import RunningProcess, free_port
from educert_common.testing.tokens import Tokens
from educert_common.testing.waiting import wait_until
from payment.config import PaymentSettings
from records.config import RecordsSettings
from records.testing import (
    RNG,
    Caller,
    IdentityTap,
    Stack,
    Subscriber,
    adult,
    photo_jpeg,
    photo_png,
    qualification_body,
    verified_student,
)

pytestmark = pytest.mark.e2e
CHANNEL = "wechat"
SHANGHAI = ZoneInfo("Asia/Shanghai")
EXPIRE = "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = :id"


@dataclass
class PhotoStack(Stack):
    """Records' stack plus payment, its sandbox and notification."""

    payment: RunningProcess
    sandbox: RunningProcess
    notification: RunningProcess

    @property
    def payment_url(self) -> str:
        return self.payment.url + "/api/v1/payment"


@pytest.fixture(scope="module")
async def subscriber() -> AsyncIterator[Subscriber]:
    async with recording(["records.#", "payment.order.#"], "photoupload") as recorder:
        yield recorder


@pytest.fixture(scope="module")
async def stack(
    migrated_services: None,
    subscriber: Subscriber,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[PhotoStack]:
    log_dir = tmp_path_factory.mktemp("records-photos")
    identity_port, records_port = free_port(), free_port()
    payment_port, sandbox_port = free_port(), free_port()
    payment_url = f"http://127.0.0.1:{payment_port}"
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = {
        "EDUCERT_IDENTITY_URL": f"http://127.0.0.1:{identity_port}",
        "EDUCERT_RECORDS_URL": f"http://127.0.0.1:{records_port}",
        "EDUCERT_PAYMENT_URL": payment_url,
        "EDUCERT_INTERNAL_TOKEN": f"test-internal-{uuid.uuid4().hex}",
        "EDUCERT_SIGNING_DEV_DIR": str(log_dir / "signing"),
        "RECORDS_STORAGE_ROOT": str(log_dir / "storage"),
        # The registry job looks often, so the result is back within a second or two.
        "RECORDS_PHOTO_REGISTRY_POLL_SECONDS": "0.2",
        "PAYMENT_DEV_KEY_DIR": str(log_dir / "payment-keys"),
        "PAYMENT_SANDBOX_URL": sandbox_url,
        "PAYMENT_SANDBOX_PUBLIC_URL": sandbox_url,
        "PAYMENT_PUBLIC_BASE_URL": payment_url,
        "PAYMENT_CALLBACK_BASE_URL": payment_url,
        "PAYMENT_EXPIRY_SWEEP_SECONDS": "0.2",
        "PAYMENT_QUERY_AFTER_SECONDS": "3",
        "PAYMENT_QUERY_EVERY_SECONDS": "0.5",
        "PAYMENT_RECONCILE_DAILY": "false",
        "IDENTITY_DATABASE_POOL_SIZE": "3",
        "RECORDS_DATABASE_POOL_SIZE": "4",
        "PAYMENT_DATABASE_POOL_SIZE": "4",
        "NOTIFICATION_DATABASE_POOL_SIZE": "3",
        "NOTIFICATION_DELIVERY_POLL_SECONDS": "0.2",
    }

    def process(name: str, app: str, port: int) -> RunningProcess:
        return RunningProcess(name, app, port=port, env=env, log_dir=log_dir)

    identity = process("identity", "identity.main:create_app", identity_port)
    records = process("records", "records.main:create_app", records_port)
    payment = process("payment", "payment.main:create_app", payment_port)
    sandbox = process("sandbox", "payment.sandbox.app:create_app", sandbox_port)
    notification = process("notification", "notification.main:create_app", free_port())
    database = Database.connect(RecordsSettings().resolved_database_url(), pool_size=4)
    running = PhotoStack(
        identity, records, env, log_dir, database, subscriber, payment, sandbox, notification
    )
    try:
        # Identity first: records reads the revocation list from it before it accepts tokens.
        for first in (identity, sandbox, payment, notification):
            first.start()
        await asyncio.gather(
            *(p.wait_ready(timeout=60) for p in (identity, sandbox, payment, notification))
        )
        await records.start().wait_ready(timeout=60)
        queue = f"{PlatformSettings().broker_prefix}notification.events"

        async def consuming() -> bool:
            return await consumer_count(queue) > 0

        await wait_until(consuming, timeout=30, message="notification consuming")
        yield running
    finally:
        for started in (running.records, notification, payment, sandbox, identity):
            started.stop()
        await database.dispose()


@pytest.fixture(scope="module")
async def tap(stack: PhotoStack) -> AsyncIterator[IdentityTap]:
    listening = IdentityTap()
    await listening.start()
    yield listening
    await listening.close()


@dataclass
class Attempts:
    """The student side: upload, poll, pay, the inbox."""

    caller: Caller
    stack: PhotoStack
    headers: dict[str, str]

    async def upload(
        self, record: dict[str, Any], content: bytes, name: str = "photo.jpg"
    ) -> httpx.Response:
        return await self.caller.http.post(
            f"{self.stack.url}/me/photo-attempts/qualification/{record['id']}",
            files={"photo": (name, content, "image/jpeg")},
            headers=self.headers,
        )

    async def get(self, attempt_id: str) -> httpx.Response:
        return await self.caller.http.get(
            f"{self.stack.url}/me/photo-attempts/{attempt_id}", headers=self.headers
        )

    async def reaches(self, attempt_id: str, *states: str) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            response = await self.get(attempt_id)
            assert response.status_code == 200, response.text
            return response.json() if response.json()["status"] in states else None

        return await wait_until(reached, timeout=30, message=f"attempt {states}")

    async def pay(self, order_id: str) -> dict[str, Any]:
        """Pay as payment's tests do: start the payment, then pay in the sandbox."""
        http = self.caller.http
        started = await http.post(
            f"{self.stack.payment_url}/orders/{order_id}/payments",
            json={"channel": CHANNEL},
            headers=self.headers,
        )
        assert started.status_code == 200, started.text
        paid = await http.post(
            f"{self.stack.sandbox.url}/control/{CHANNEL}/trades/{uuid.UUID(order_id).hex}/pay",
            json={},
        )
        assert paid.status_code == 200, paid.text
        return await self.stack.subscriber.wait_for("payment.order.paid", order_id=order_id)

    async def inbox_with(self, *alternatives: str) -> dict[str, Any]:
        """Wait for an inbox message containing one of `alternatives` (its zh or en text)."""
        url = f"{self.stack.notification.url}/api/v1/notification/inbox"

        async def arrived() -> dict[str, Any] | None:
            response = await self.caller.http.get(url, headers=self.headers)
            assert response.status_code == 200, response.text
            for item in response.json()["items"]:
                text = item["title"] + item["body"]
                if any(part in text for part in alternatives):
                    return dict(item)
            return None

        return await wait_until(arrived, timeout=30, message=f"inbox message {alternatives}")


@pytest.fixture
async def caller(stack: PhotoStack, tokens: Tokens) -> AsyncIterator[Caller]:
    async with httpx.AsyncClient(timeout=60) as http:
        yield Caller(http, stack, tokens)


async def reported_qualification(caller: Caller, institution: str, who: Any) -> dict[str, Any]:
    number = f"P{RNG.randrange(10**8):08d}"
    response = await caller.http.put(
        f"{caller.stack.url}/institutions/{institution}/qualifications/{number}",
        json=qualification_body(who, institution),
        headers=await caller.staff(institution),
    )
    assert response.status_code == 201, response.text
    return dict(response.json()["record"])


async def bound_record(caller: Caller, institution: str, owner: uuid.UUID) -> dict[str, Any]:
    """A qualification without a photo, put in `owner`'s archive directly (binding is
    test_binding's)."""
    record = await reported_qualification(caller, institution, adult())
    await caller.stack.execute(
        "UPDATE qualification_records SET owner_id = :owner, bound_at = now(), "
        "bound_via = 'automatic' WHERE id = :id",
        owner=owner,
        id=uuid.UUID(record["id"]),
    )
    return record


def no_exif(content: bytes) -> bool:
    with Image.open(io.BytesIO(content)) as image:
        return image.format == "JPEG" and image.size == (640, 480) and not image.getexif()


async def test_a_paid_attempt_goes_through_the_registry_and_review_to_the_record_and_reports(
    caller: Caller, stack: PhotoStack, tap: IdentityTap
) -> None:
    institution, other = await caller.institution(), await caller.institution()
    who = adult()
    record = await reported_qualification(caller, institution, who)
    assert record["has_photo"] is False
    # A real account: registered, real-name verified against the development registry; the
    # record binds to it automatically.
    student = await verified_student(caller, tap, who)
    await stack.subscriber.wait_for("records.record.bound", timeout=30, record_id=record["id"])
    me = Attempts(caller, stack, student.headers)

    uploaded = await me.upload(record, photo_jpeg(150 * 1024, exif=True, seed=7))
    assert uploaded.status_code == 201, uploaded.text
    attempt = uploaded.json()
    assert attempt["status"] == "awaiting_payment" and attempt["order_id"]
    assert attempt["uploaded_bytes"] == 150 * 1024 and attempt["review_due_on"] is None

    # The order is payment's, purpose photo_check, at the fee table's 2 CNY.
    order = await caller.http.get(
        f"{stack.payment_url}/orders/{attempt['order_id']}", headers=student.headers
    )
    assert order.status_code == 200, order.text
    fees = (await caller.http.get(f"{stack.payment_url}/fees")).json()
    fee = next(item["amount_fen"] for item in fees if item["purpose"] == "photo_check")
    assert fee == 200
    assert order.json()["purpose"] == "photo_check"
    assert order.json()["reference_id"] == attempt["id"] and order.json()["amount_fen"] == 200

    # Before paying, staff cannot review it.
    staff = await caller.staff(institution)
    early = await caller.http.post(
        f"{stack.url}/photo-reviews/{attempt['id']}/decision",
        json={"decision": "approve"},
        headers=staff,
    )
    assert early.status_code == 409 and early.json()["code"] == "photo_attempt_state"

    paid_at = datetime.now(SHANGHAI)
    await me.pay(attempt["order_id"])
    await stack.subscriber.wait_for("records.photo.paid", timeout=20, attempt_id=attempt["id"])
    # The registry check through identity comes back within seconds.
    checked = await me.reaches(attempt["id"], "in_review", "registry_failed")
    assert checked["status"] == "in_review", checked
    assert checked["registry"]["outcome"] == "match" and checked["registry"]["tries"] == 1
    expected = checked["review_due_on"]
    assert expected in {
        (paid_at + timedelta(days=10)).date().isoformat(),
        (datetime.now(SHANGHAI) + timedelta(days=10)).date().isoformat(),
    }
    event = await stack.subscriber.wait_for(
        "records.photo.registry_checked", attempt_id=attempt["id"]
    )
    assert event["data"]["passed"] is True and event["data"]["review_due_on"] == expected
    await me.inbox_with(expected)

    # What was stored has no EXIF (the upload had some).
    stored = await caller.http.get(
        f"{stack.url}/me/photo-attempts/{attempt['id']}/photo", headers=student.headers
    )
    assert stored.status_code == 200 and no_exif(stored.content)
    assert b"SpyCam" not in stored.content

    # Staff of another institution neither see nor decide it.
    stranger = await caller.staff(other)
    for response in (
        await caller.http.get(f"{stack.url}/photo-reviews/{attempt['id']}", headers=stranger),
        await caller.http.post(
            f"{stack.url}/photo-reviews/{attempt['id']}/decision",
            json={"decision": "approve"},
            headers=stranger,
        ),
    ):
        assert response.status_code == 404, response.text
    theirs = await caller.http.get(f"{stack.url}/photo-reviews", headers=stranger)
    assert attempt["id"] not in theirs.text
    refused = await caller.http.get(
        f"{stack.url}/photo-reviews", params={"institution_id": institution}, headers=stranger
    )
    assert refused.status_code == 403

    queue = await caller.http.get(f"{stack.url}/photo-reviews", headers=staff)
    assert queue.status_code == 200, queue.text
    [item] = [i for i in queue.json()["items"] if i["id"] == attempt["id"]]
    assert item["name"] == who.name and who.id_number not in queue.text
    photo = await caller.http.get(f"{stack.url}/photo-reviews/{attempt['id']}/photo", headers=staff)
    assert photo.content == stored.content

    approved = await caller.http.post(
        f"{stack.url}/photo-reviews/{attempt['id']}/decision",
        json={"decision": "approve"},
        headers=staff,
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["record_version"] == 2
    again = await caller.http.post(
        f"{stack.url}/photo-reviews/{attempt['id']}/decision",
        json={"decision": "reject", "reason": "too late"},
        headers=staff,
    )
    assert again.status_code == 409
    await stack.subscriber.wait_for("records.photo.approved", attempt_id=attempt["id"])
    await me.inbox_with("照片已审核通过", "photo was approved")

    # The record's photo is the approved one, as a new version, audited.
    rows = await stack.rows(
        "SELECT version, source FROM record_versions WHERE record_id = :id ORDER BY version",
        id=uuid.UUID(record["id"]),
    )
    assert [(r.version, r.source) for r in rows] == [
        (1, "api"),
        (2, f"photo_upload:{attempt['id']}"),
    ]
    audited = await stack.rows(
        "SELECT after FROM audit_entries WHERE action = 'record.photo_changed' "
        "AND subject_id = :id",
        id=record["id"],
    )
    assert [a.after["photo_attempt_id"] for a in audited] == [attempt["id"]]
    on_record = await caller.http.get(
        f"{stack.url}/institutions/{institution}/qualifications/{record['student_number']}/photo",
        headers=staff,
    )
    assert on_record.status_code == 200 and on_record.content == stored.content

    # A report ordered now shows the new photo.
    ordered = await caller.http.post(
        f"{stack.url}/me/reports",
        json={"record_kind": "qualification", "record_id": record["id"], "validity_days": 30},
        headers=student.headers,
    )
    assert ordered.status_code == 201, ordered.text
    report = ordered.json()
    assert report["has_photo"] is True and report["status"] == "active", report
    page = await caller.http.get(f"{stack.url}/v/{report['code']}")
    assert page.status_code == 200
    assert base64.b64encode(stored.content).decode() in page.text

    # The record has a photo now and its check was never "wrong": no new upload.
    refused_upload = await me.upload(record, photo_jpeg(150 * 1024, seed=8))
    assert refused_upload.status_code == 409
    assert refused_upload.json()["code"] == "photo_upload_not_allowed"


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480)).save(out, format="GIF")
    return out.getvalue()


def problem_field(response: httpx.Response) -> tuple[int, str, list[str]]:
    body = response.json()
    return response.status_code, body.get("code", ""), [e["field"] for e in body.get("errors", [])]


async def test_bad_photos_are_refused_naming_the_field_and_open_no_attempt(
    caller: Caller, stack: PhotoStack
) -> None:
    institution = await caller.institution()
    owner, headers = await caller.student()
    record = await bound_record(caller, institution, owner)
    me = Attempts(caller, stack, headers)

    cases = {
        "too few bytes": photo_jpeg(100 * 1024 - 1),
        "too many bytes": photo_jpeg(200 * 1024 + 1),
        "portrait dimensions": photo_jpeg(150 * 1024, (480, 640)),
        "larger dimensions": photo_jpeg(200 * 1024, (1024, 768)),
        "png renamed .jpg": photo_png(),
        "gif": gif(),
        "pdf": b"%PDF-1.4\n" + b"%" * (150 * 1024),
    }
    expected = {
        "too few bytes": "photo_size",
        "too many bytes": "photo_size",
        "portrait dimensions": "photo_dimensions",
        "larger dimensions": "photo_dimensions",
        "png renamed .jpg": "photo_not_jpeg",
        "gif": "photo_not_jpeg",
        "pdf": "photo_not_jpeg",
    }
    for name, content in cases.items():
        response = await me.upload(record, content, name="photo.jpg")
        assert response.status_code == 422, (name, response.text)
        assert response.json()["errors"][0]["code"] == expected[name], (name, response.text)
        assert problem_field(response)[2] == ["photo"], name

    # 20 MB: refused from its declared length, and (sent chunked, with no length) after
    # the cap, never read whole.
    huge = photo_jpeg(150 * 1024) + b"\x00" * (20 * 1024 * 1024)
    declared = await me.upload(record, huge)
    assert problem_field(declared) == (413, "payload_too_large", ["photo"]), declared.text
    boundary = uuid.uuid4().hex
    sent = 0

    async def chunked() -> AsyncIterator[bytes]:
        nonlocal sent
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; '
            f'filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        for start in range(0, len(huge), 64 * 1024):
            sent += 64 * 1024
            yield huge[start : start + 64 * 1024]
        yield f"\r\n--{boundary}--\r\n".encode()

    # The server answers 413 once the cap is passed (the client still sends the rest, which
    # the server drops; tests/unit/test_photo_upload_rules.py counts what it reads).
    streamed = await caller.http.post(
        f"{stack.url}/me/photo-attempts/qualification/{record['id']}",
        content=chunked(),
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert problem_field(streamed) == (413, "payload_too_large", ["photo"]), streamed.text
    assert sent >= len(huge)

    as_json = await caller.http.post(
        f"{stack.url}/me/photo-attempts/qualification/{record['id']}",
        json={"photo": "x"},
        headers=headers,
    )
    assert problem_field(as_json)[0] == 415 and problem_field(as_json)[2] == ["photo"]
    no_part = await caller.http.post(
        f"{stack.url}/me/photo-attempts/qualification/{record['id']}",
        files={"picture": ("p.jpg", photo_jpeg(150 * 1024), "image/jpeg")},
        headers=headers,
    )
    assert problem_field(no_part)[0] == 422 and problem_field(no_part)[2] == ["photo"]

    listed = await caller.http.get(f"{stack.url}/me/photo-attempts", headers=headers)
    assert listed.status_code == 200 and listed.json()["items"] == []
    rows = await stack.rows(
        "SELECT count(*) AS n FROM photo_attempts WHERE record_id = :id",
        id=uuid.UUID(record["id"]),
    )
    assert rows[0].n == 0


async def test_who_may_upload_see_pay_and_review_and_a_failed_registry_check(
    caller: Caller, stack: PhotoStack
) -> None:
    institution = await caller.institution()
    owner, headers = await caller.student()
    other_owner, other_headers = await caller.student()
    record = await bound_record(caller, institution, owner)
    theirs = await bound_record(caller, institution, other_owner)
    me = Attempts(caller, stack, headers)
    them = Attempts(caller, stack, other_headers)

    # Not one's own record: not found.
    foreign = await me.upload(theirs, photo_jpeg(150 * 1024))
    assert foreign.status_code == 404 and foreign.json()["code"] == "record_not_found"

    unpaid = (await them.upload(theirs, photo_jpeg(150 * 1024, seed=3))).json()
    assert unpaid["status"] == "awaiting_payment"
    # Another student's attempt is not found, in any form.
    for response in (
        await me.get(unpaid["id"]),
        await caller.http.get(
            f"{stack.url}/me/photo-attempts/{unpaid['id']}/photo", headers=headers
        ),
        await caller.http.post(
            f"{stack.url}/me/photo-attempts/{unpaid['id']}/payment", headers=headers
        ),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "photo_attempt_not_found"
    # One open attempt per record.
    twice = await them.upload(theirs, photo_jpeg(150 * 1024, seed=4))
    assert twice.status_code == 409 and twice.json()["code"] == "photo_attempt_open"
    # Partners do not review photos; students are not staff.
    partner = await caller.partner(institution, "records:read", "records:import")
    assert (await caller.http.get(f"{stack.url}/photo-reviews", headers=partner)).status_code == 403
    assert (await caller.http.get(f"{stack.url}/photo-reviews", headers=headers)).status_code == 403

    # This student has no identity account: the registry check fails after paying.
    attempt = (await me.upload(record, photo_jpeg(150 * 1024, seed=5))).json()
    await me.pay(attempt["order_id"])
    failed = await me.reaches(attempt["id"], "registry_failed", "in_review")
    assert failed["status"] == "registry_failed" and failed["registry"]["outcome"] == "no_account"
    assert failed["review_due_on"] is None
    event = await stack.subscriber.wait_for(
        "records.photo.registry_checked", attempt_id=attempt["id"]
    )
    assert event["data"]["passed"] is False
    await me.inbox_with("未通过身份核验", "did not pass the identity check")
    staff = await caller.staff(institution)
    for decision in ({"decision": "approve"}, {"decision": "reject", "reason": "no"}):
        response = await caller.http.post(
            f"{stack.url}/photo-reviews/{attempt['id']}/decision", json=decision, headers=staff
        )
        assert response.status_code == 409, response.text
        assert response.json()["code"] == "photo_attempt_state"
    # The unpaid attempt was never checked with the registry (the job ran meanwhile) nor is
    # it reviewable.
    still = (await them.get(unpaid["id"])).json()
    assert still["status"] == "awaiting_payment" and still["registry"]["tries"] == 0
    review = await caller.http.post(
        f"{stack.url}/photo-reviews/{unpaid['id']}/decision",
        json={"decision": "reject", "reason": "not paid"},
        headers=staff,
    )
    assert review.status_code == 409 and review.json()["code"] == "photo_attempt_state"
    queue = await caller.http.get(
        f"{stack.url}/photo-reviews", params={"status": "awaiting_payment"}, headers=staff
    )
    assert unpaid["id"] in queue.text
    in_review = await caller.http.get(f"{stack.url}/photo-reviews", headers=staff)
    assert unpaid["id"] not in in_review.text and attempt["id"] not in in_review.text

    # A failed attempt is closed: a new, newly paid one may follow.
    retry = await me.upload(record, photo_jpeg(150 * 1024, seed=6))
    assert retry.status_code == 201, retry.text
    assert retry.json()["order_id"] not in (None, attempt["order_id"])


async def test_a_wrong_photo_check_allows_uploads_until_one_is_approved(
    caller: Caller, stack: PhotoStack, tap: IdentityTap
) -> None:
    institution = await caller.institution()
    who = adult()
    record = await reported_qualification(caller, institution, who)
    student = await verified_student(caller, tap, who)
    await stack.subscriber.wait_for("records.record.bound", timeout=30, record_id=record["id"])
    me = Attempts(caller, stack, student.headers)
    # The record has a photo whose check concluded "wrong" (the 24-hour window is the photo
    # checks' own tests'; here the concluded check is written directly).
    await stack.execute(
        "UPDATE qualification_records SET photo_key = :key WHERE id = :id",
        key="0" * 64,
        id=uuid.UUID(record["id"]),
    )
    refused = await me.upload(record, photo_jpeg(150 * 1024))
    assert refused.status_code == 409 and refused.json()["code"] == "photo_upload_not_allowed"
    await stack.execute(
        "INSERT INTO photo_checks (id, kind, record_id, institution_id, user_id, conclusion, "
        "wrong_fields, first_answered_at, answered_at, effective_at, changes, concluded_at, "
        "created_at) VALUES (:id, 'qualification', :record, :inst, :user, 'wrong', "
        "'[\"photo\"]', now() - interval '2 days', now() - interval '2 days', "
        "now() - interval '1 day', 0, now() - interval '1 day', now())",
        id=uuid.uuid4(),
        record=uuid.UUID(record["id"]),
        inst=institution,
        user=student.user_id,
    )
    attempt = (await me.upload(record, photo_jpeg(150 * 1024, seed=9))).json()
    assert attempt["status"] == "awaiting_payment", attempt
    await me.pay(attempt["order_id"])
    await me.reaches(attempt["id"], "in_review")

    staff = await caller.staff(institution)
    no_reason = await caller.http.post(
        f"{stack.url}/photo-reviews/{attempt['id']}/decision",
        json={"decision": "reject"},
        headers=staff,
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    operator = await caller.operator()
    rejected = await caller.http.post(
        f"{stack.url}/photo-reviews/{attempt['id']}/decision",
        json={"decision": "reject", "reason": "背景不是浅色"},
        headers=operator,
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected" and rejected.json()["reason"] == "背景不是浅色"
    await stack.subscriber.wait_for("records.photo.rejected", attempt_id=attempt["id"])
    await me.inbox_with("背景不是浅色")
    rows = await stack.rows(
        "SELECT photo_key, version FROM qualification_records WHERE id = :id",
        id=uuid.UUID(record["id"]),
    )
    assert rows[0].photo_key == "0" * 64 and rows[0].version == 1  # unchanged
    # Trying again is a new attempt with a new order.
    again = await me.upload(record, photo_jpeg(150 * 1024, seed=10))
    assert again.status_code == 201 and again.json()["order_id"] != attempt["order_id"]
    # Once one is approved, the photo judged wrong is gone: no further (paid) upload.
    await me.pay(again.json()["order_id"])
    await me.reaches(again.json()["id"], "in_review")
    approved = await caller.http.post(
        f"{stack.url}/photo-reviews/{again.json()['id']}/decision",
        json={"decision": "approve"},
        headers=staff,
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    after = await me.upload(record, photo_jpeg(150 * 1024, seed=11))
    assert after.status_code == 409 and after.json()["code"] == "photo_upload_not_allowed"


async def test_an_unpaid_attempt_is_cancelled_when_its_order_expires(
    caller: Caller, stack: PhotoStack
) -> None:
    institution = await caller.institution()
    owner, headers = await caller.student()
    record = await bound_record(caller, institution, owner)
    me = Attempts(caller, stack, headers)
    attempt = (await me.upload(record, photo_jpeg(150 * 1024))).json()
    database = Database.connect(PaymentSettings().resolved_database_url(), pool_size=1)
    try:
        async with database.transaction() as session:
            await session.execute(
                sa.text(
                    "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = :id"
                ),
                {"id": attempt["order_id"]},
            )
    finally:
        await database.dispose()
    await stack.subscriber.wait_for(
        "payment.order.expired", timeout=20, order_id=attempt["order_id"]
    )
    cancelled = await me.reaches(attempt["id"], "cancelled")
    assert cancelled["paid_at"] is None and cancelled["registry"]["tries"] == 0
    # The record is free for a new attempt.
    assert (await me.upload(record, photo_jpeg(150 * 1024, seed=2))).status_code == 201
