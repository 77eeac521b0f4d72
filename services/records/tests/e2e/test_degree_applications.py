"""Degree applications (学士学位申请) against real identity and records processes: staff open
a round; an eligible student applies once (status fields from the record), uploads through
the file slots or gives the code of their own qualification report for the registration
form; staff see that report verified in place, return, approve; the student confirms and
downloads the signed receipt with its code; staff disqualify with a reason (audited, the
student notified), list and export the round as XLSX; and every refusal names its cause."""

import io
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from PIL import Image

from educert_common.pdf.layout import PageWriter, render_pdf
from educert_common.settings import PlatformSettings
from educert_common.testing.events import consumer_count
from educert_common.testing.people import Person
from educert_common.testing.processes import RunningProcess
from educert_common.testing.waiting import wait_until
from records.testing import RNG, Caller, Stack, adult, qualification_body, student_status_body

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def records_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    # Receipts are signed with a development key of this run.
    return {"EDUCERT_SIGNING_DEV_DIR": str(tmp_path_factory.mktemp("signing"))}


@pytest.fixture(scope="module")
async def notification(stack: Stack) -> AsyncIterator[RunningProcess]:
    """The notification process, consuming records' events (the student's inbox)."""
    process = RunningProcess(
        "notification",
        "notification.main:create_app",
        env={"EDUCERT_IDENTITY_URL": stack.identity.url},
        log_dir=stack.log_dir,
    ).start()
    try:
        await process.wait_ready(timeout=60)
        queue = f"{PlatformSettings().broker_prefix}notification.events"

        async def consuming() -> bool:
            return await consumer_count(queue) > 0

        await wait_until(consuming, timeout=20, message="notification consuming")
        yield process
    finally:
        process.stop()


async def inbox_item(
    caller: Caller, notification: RunningProcess, headers: dict[str, str], event_type: str
) -> dict[str, Any]:
    """The student's inbox message of `event_type`, once notification has written it."""

    async def arrived() -> dict[str, Any] | None:
        listed = await caller.http.get(
            f"{notification.url}/api/v1/notification/inbox", headers=headers
        )
        assert listed.status_code == 200, listed.text
        found = [i for i in listed.json()["items"] if i["event_type"] == event_type]
        return found[0] if found else None

    return await wait_until(arrived, timeout=30, message=f"inbox {event_type}")


def jpeg(width: int, height: int, *, exif: bool = False) -> bytes:
    image = Image.new("RGB", (width, height), (RNG.randrange(256), 120, 200))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        image.save(out, "JPEG", quality=85, exif=data.tobytes())
    else:
        image.save(out, "JPEG", quality=85)
    return out.getvalue()


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (250, 250, 250)).save(out, "PNG")
    return out.getvalue()


def pdf() -> bytes:
    def draw(page: PageWriter) -> None:
        page.title("毕业生电子注册备案表")

    return render_pdf(draw, title="registration form")


async def bound(
    caller: Caller, institution: str, who: Person, owner: uuid.UUID, kind: str = "qualification",
    **overrides: Any,
) -> dict[str, Any]:  # fmt: skip
    """A record the institution reported, already in `owner`'s archive (binding is
    test_binding's)."""
    number = f"S{RNG.randrange(10**8):08d}"
    if kind == "qualification":
        path, body = "qualifications", qualification_body(who, institution, **overrides)
        table = "qualification_records"
    else:
        path, body = "student-status", student_status_body(who, **overrides)
        table = "student_status_records"
    response = await caller.http.put(
        f"{caller.stack.url}/institutions/{institution}/{path}/{number}",
        json=body,
        headers=await caller.staff(institution),
    )
    assert response.status_code == 201, response.text
    record = dict(response.json()["record"])
    await caller.stack.execute(
        f"UPDATE {table} SET owner_id = :owner, bound_at = now(), "  # noqa: S608
        "bound_via = 'automatic' WHERE id = :id",
        owner=owner,
        id=uuid.UUID(record["id"]),
    )
    return record


async def open_round(caller: Caller, institution: str, **fields: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "title": "2026 年上学士学位申请",
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=30)).isoformat(),
        "level": "bachelor",
        "education_type": "adult",
        **fields,
    }
    response = await caller.http.post(
        f"{caller.stack.url}/institutions/{institution}/degree-rounds",
        json=body,
        headers=await caller.staff(institution),
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def apply(caller: Caller, headers: dict[str, str], round_id: str) -> httpx.Response:
    return await caller.http.post(
        f"{caller.stack.url}/me/degree-applications", json={"round_id": round_id}, headers=headers
    )


async def upload(
    caller: Caller, headers: dict[str, str], application_id: str, slot: str, content: bytes,
    filename: str,
) -> httpx.Response:  # fmt: skip
    return await caller.http.put(
        f"{caller.stack.url}/me/degree-applications/{application_id}/materials/{slot}",
        files={"file": (filename, content, "application/octet-stream")},
        headers=headers,
    )


async def upload_images(caller: Caller, headers: dict[str, str], application_id: str) -> None:
    for slot, content, name in (
        ("id_card_front", jpeg(856, 540), "front.jpg"),
        ("id_card_back", jpeg(856, 540), "back.jpg"),
        ("diploma_scan", jpeg(1200, 850), "diploma.jpg"),
        ("language_proof", png(800, 600), "cet4.png"),
        ("photo", jpeg(480, 640, exif=True), "photo.jpg"),
    ):
        response = await upload(caller, headers, application_id, slot, content, name)
        assert response.status_code == 200, response.text


async def staff_post(
    caller: Caller, institution: str, application_id: str, action: str, **body: Any
) -> httpx.Response:
    return await caller.http.post(
        f"{caller.stack.url}/institutions/{institution}/degree-applications/{application_id}/"
        f"{action}",
        json=body or None,
        headers=await caller.staff(institution),
    )


def pdf_text(content: bytes, work: Path) -> str:
    path = work / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


async def test_from_opening_the_round_to_the_receipt_with_a_report_code_for_the_form(
    caller: Caller, stack: Stack, tmp_path: Path
) -> None:
    institution = await caller.institution()
    who = adult()
    owner, headers = await caller.student()
    record = await bound(caller, institution, who, owner, education_type="adult")
    round_ = await open_round(caller, institution)
    assert round_["required_materials"] == [
        "id_card_front", "id_card_back", "diploma_scan", "language_proof",
        "registration_form", "photo",
    ]  # fmt: skip

    listed = await caller.http.get(f"{stack.url}/me/degree-rounds", headers=headers)
    assert listed.status_code == 200
    assert [(r["id"], r["eligible"]) for r in listed.json()] == [(round_["id"], True)]

    # Applying: the status fields come from the record, never from the request.
    applied = await apply(caller, headers, round_["id"])
    assert applied.status_code == 201, applied.text
    application = applied.json()
    app_id = application["id"]
    snapshot = application["snapshot"]
    assert application["status"] == "draft" and application["record_id"] == record["id"]
    assert (
        snapshot["name"] == who.name
        and snapshot["certificate_number"] == (record["certificate_number"])
    )
    assert snapshot["education_type"] == "adult" and snapshot["level_zh"] == "本科"
    assert snapshot["id_number"] == who.id_number[:3] + "*" * 11 + who.id_number[-4:]

    await upload_images(caller, headers, app_id)
    # The form is given as the code of the student's own qualification report.
    ordered = await caller.http.post(
        f"{stack.url}/me/reports",
        json={"record_kind": "qualification", "record_id": record["id"], "validity_days": 60},
        headers=headers,
    )
    assert ordered.status_code == 201, ordered.text
    report_code = ordered.json()["code"]
    given = await caller.http.put(
        f"{stack.url}/me/degree-applications/{app_id}/registration-report",
        json={"code": report_code.lower()},
        headers=headers,
    )
    assert given.status_code == 200, given.text
    assert given.json()["registration_report_code"] == report_code
    assert given.json()["missing_materials"] == []
    materials = {m["slot"]: m for m in given.json()["materials"]}
    assert set(materials) == set(round_["required_materials"]) - {"registration_form"}

    submitted = await caller.http.post(
        f"{stack.url}/me/degree-applications/{app_id}/submit", headers=headers
    )
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"

    # Staff see the report verified in place, and the stored photo without its EXIF.
    staff = await caller.staff(institution)
    seen = await caller.http.get(
        f"{stack.url}/institutions/{institution}/degree-applications/{app_id}", headers=staff
    )
    assert seen.status_code == 200, seen.text
    answer = seen.json()["registration_report"]
    assert answer["state"] == "valid" and answer["document_type"] == "qualification_report"
    facts = {fact["key"]: fact["value"] for fact in answer["facts"]}
    assert facts["name"] == who.name
    assert facts["certificate_number"] == record["certificate_number"]
    # The student sees the look in the report's log, by the institution.
    looks = await caller.http.get(
        f"{stack.url}/me/reports/{ordered.json()['id']}/verifications", headers=headers
    )
    assert [(v["channel"], v["partner"]) for v in looks.json()["items"]] == [("api", institution)]
    photo = await caller.http.get(
        f"{stack.url}/institutions/{institution}/degree-applications/{app_id}/materials/photo",
        headers=staff,
    )
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert b"PhoneMaker" not in photo.content and Image.open(io.BytesIO(photo.content)).size == (
        480, 640,
    )  # fmt: skip

    # First review returns it; the student replaces the diploma scan and submits again.
    returned = await staff_post(
        caller, institution, app_id, "return",
        reasons=[{"field": "diploma_scan", "reason": "扫描件不清晰"}],
    )  # fmt: skip
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    event = await stack.subscriber.wait_for(
        "records.degree_application.returned", application_id=app_id
    )
    assert event["data"]["user_id"] == str(owner)
    assert event["data"]["reasons"] == [{"field": "diploma_scan", "reason": "扫描件不清晰"}]
    mine = await caller.http.get(f"{stack.url}/me/degree-applications/{app_id}", headers=headers)
    assert mine.json()["return_reasons"][0]["field"] == "diploma_scan"
    again = await upload(caller, headers, app_id, "diploma_scan", jpeg(1600, 1100), "d2.jpg")
    assert again.status_code == 200, again.text
    diploma = next(m for m in again.json()["materials"] if m["slot"] == "diploma_scan")
    assert diploma["version"] == 2 and diploma["width"] == 1600
    resubmitted = await caller.http.post(
        f"{stack.url}/me/degree-applications/{app_id}/submit", headers=headers
    )
    assert resubmitted.status_code == 200, resubmitted.text

    # No receipt before confirmation; approval, then the final confirmation.
    early = await caller.http.get(
        f"{stack.url}/me/degree-applications/{app_id}/receipt", headers=headers
    )
    assert early.status_code == 409
    approved = await staff_post(caller, institution, app_id, "approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    await stack.subscriber.wait_for("records.degree_application.approved", application_id=app_id)
    confirmed = await caller.http.post(
        f"{stack.url}/me/degree-applications/{app_id}/confirm", headers=headers
    )
    assert confirmed.status_code == 200, confirmed.text
    receipt_code = confirmed.json()["receipt_code"]
    assert confirmed.json()["status"] == "confirmed" and len(receipt_code) == 19

    # After the final confirmation nothing can be edited.
    late = await upload(caller, headers, app_id, "photo", jpeg(480, 640), "new.jpg")
    assert late.status_code == 409 and late.json()["code"] == "degree_application_locked"
    late = await caller.http.put(
        f"{stack.url}/me/degree-applications/{app_id}/registration-report",
        json={"code": report_code},
        headers=headers,
    )
    assert late.status_code == 409
    late = await caller.http.post(
        f"{stack.url}/me/degree-applications/{app_id}/submit", headers=headers
    )
    assert late.status_code == 409

    # The receipt: a signed PDF that carries the code; staff check the code.
    receipt = await caller.http.get(
        f"{stack.url}/me/degree-applications/{app_id}/receipt", headers=headers
    )
    assert receipt.status_code == 200 and receipt.headers["content-type"] == "application/pdf"
    assert b"/ByteRange" in receipt.content  # PAdES-signed
    text = pdf_text(receipt.content, tmp_path)
    assert receipt_code in text and who.name in text and "学士学位申请回执" in text
    checked = await caller.http.get(
        f"{stack.url}/institutions/{institution}/degree-receipts/{receipt_code.replace('-', '')}",
        headers=staff,
    )
    assert checked.status_code == 200 and checked.json()["id"] == app_id

    # The round's list and export show it confirmed.
    rows = await caller.http.get(
        f"{stack.url}/institutions/{institution}/degree-rounds/{round_['id']}/applications",
        params={"status": "confirmed"},
        headers=staff,
    )
    assert [r["id"] for r in rows.json()["items"]] == [app_id]
    exported = await caller.http.get(
        f"{stack.url}/institutions/{institution}/degree-rounds/{round_['id']}/applications.xlsx",
        headers=staff,
    )
    assert exported.status_code == 200, exported.text
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content), read_only=True).active
    lines = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(lines) == 2 and lines[0][0] == "学号 Student number"
    line = dict(zip(lines[0], lines[1], strict=True))
    assert line["姓名 Name"] == who.name and line["状态代码 Status code"] == "confirmed"
    assert line["回执码 Receipt code"] == receipt_code
    assert line["备案表验证码 Registration report code"] == report_code
    assert line["缺少材料 Materials missing"] in (None, "")


async def test_a_forged_document_disqualifies_with_the_reason_audited_and_notified(
    caller: Caller, stack: Stack, notification: RunningProcess
) -> None:
    institution = await caller.institution()
    owner, headers = await caller.student()
    await bound(caller, institution, adult(), owner, kind="student_status",
                education_type="adult", status="graduated")  # fmt: skip
    round_ = await open_round(caller, institution)
    application = (await apply(caller, headers, round_["id"])).json()
    app_id = application["id"]
    assert application["record_kind"] == "student_status"

    # Missing materials: each is named.
    early = await caller.http.post(
        f"{stack.url}/me/degree-applications/{app_id}/submit", headers=headers
    )
    assert early.status_code == 422
    assert {e["field"] for e in early.json()["errors"]} == set(round_["required_materials"])

    await upload_images(caller, headers, app_id)
    form = await upload(caller, headers, app_id, "registration_form", pdf(), "备案表.pdf")
    assert form.status_code == 200, form.text
    submitted = await caller.http.post(
        f"{stack.url}/me/degree-applications/{app_id}/submit", headers=headers
    )
    assert submitted.status_code == 200, submitted.text

    reason = "外语成绩单系伪造"
    disqualified = await staff_post(caller, institution, app_id, "disqualify", reason=reason)
    assert disqualified.status_code == 200, disqualified.text
    assert disqualified.json()["status"] == "disqualified"
    assert disqualified.json()["disqualified_reason"] == reason
    event = await stack.subscriber.wait_for(
        "records.degree_application.disqualified", application_id=app_id
    )
    assert event["data"]["user_id"] == str(owner) and event["data"]["reason"] == reason
    audited = await stack.rows(
        "SELECT after FROM audit_entries WHERE action = 'degree_application.disqualified' "
        "AND subject_id = :id",
        id=app_id,
    )
    assert [row.after["reason"] for row in audited] == [reason]
    # The student is told, with the reason (inbox; e-mail and SMS where they have contacts).
    told = await inbox_item(
        caller, notification, headers, "records.degree_application.disqualified"
    )
    assert "取消资格" in told["title"] and reason in told["body"]
    assert round_["title"] in told["body"]
    # It cannot be confirmed or edited now, nor disqualified twice.
    confirm = await caller.http.post(
        f"{stack.url}/me/degree-applications/{app_id}/confirm", headers=headers
    )
    assert confirm.status_code == 409
    twice = await staff_post(caller, institution, app_id, "disqualify", reason=reason)
    assert twice.status_code == 409


async def test_refusals_of_access_eligibility_repetition_and_file_types(
    caller: Caller, stack: Stack
) -> None:
    institution, other = await caller.institution(), await caller.institution()
    owner, headers = await caller.student()
    record = await bound(caller, institution, adult(), owner, education_type="adult")
    round_ = await open_round(caller, institution)

    # Staff of another institution: cannot open or read this institution's rounds.
    foreign = await caller.staff(other)
    response = await caller.http.post(
        f"{stack.url}/institutions/{institution}/degree-rounds",
        json={
            "title": "x",
            "opens_at": "2026-01-01T00:00:00Z",
            "closes_at": "2026-02-01T00:00:00Z",
        },
        headers=foreign,
    )
    assert response.status_code == 403
    response = await caller.http.get(
        f"{stack.url}/institutions/{institution}/degree-rounds/{round_['id']}/applications",
        headers=foreign,
    )
    assert response.status_code == 403

    app_id = (await apply(caller, headers, round_["id"])).json()["id"]
    # ...nor see its application, through their own institution's path either.
    response = await caller.http.get(
        f"{stack.url}/institutions/{institution}/degree-applications/{app_id}", headers=foreign
    )
    assert response.status_code == 403
    response = await caller.http.get(
        f"{stack.url}/institutions/{other}/degree-applications/{app_id}", headers=foreign
    )
    assert response.status_code == 404
    response = await caller.http.post(
        f"{stack.url}/institutions/{other}/degree-applications/{app_id}/disqualify",
        json={"reason": "x"},
        headers=foreign,
    )
    assert response.status_code == 404

    # A second application in the round.
    second = await apply(caller, headers, round_["id"])
    assert second.status_code == 409 and second.json()["code"] == "degree_already_applied"

    # Not eligible: no record at the institution; a record of another level or type.
    _, stranger = await caller.student()
    refused = await apply(caller, stranger, round_["id"])
    assert refused.status_code == 403 and refused.json()["code"] == "degree_not_eligible"
    regular_owner, regular = await caller.student()
    await bound(caller, institution, adult(), regular_owner, education_type="regular")
    refused = await apply(caller, regular, round_["id"])
    assert refused.status_code == 403 and refused.json()["code"] == "degree_not_eligible"
    college_owner, college = await caller.student()
    await bound(caller, institution, adult(), college_owner, education_type="adult",
                level="junior_college")  # fmt: skip
    refused = await apply(caller, college, round_["id"])
    assert refused.status_code == 403 and refused.json()["code"] == "degree_not_eligible"

    # Another student's application is not found, for reading and writing alike.
    for method, path in (
        ("GET", ""), ("POST", "/submit"), ("POST", "/confirm"), ("GET", "/receipt"),
    ):  # fmt: skip
        response = await caller.http.request(
            method, f"{stack.url}/me/degree-applications/{app_id}{path}", headers=regular
        )
        assert response.status_code == 404, (path, response.text)
        assert response.json()["code"] == "degree_application_not_found"
    response = await upload(caller, regular, app_id, "photo", jpeg(480, 640), "p.jpg")
    assert response.status_code == 404

    # Files of the wrong type, through the slot checks: each names the slot.
    wrong = await upload(caller, headers, app_id, "photo", pdf(), "photo.pdf")
    assert wrong.status_code == 415
    assert wrong.json()["errors"][0] == {**wrong.json()["errors"][0], "field": "photo",
                                         "code": "file_type_not_allowed"}  # fmt: skip
    renamed = await upload(caller, headers, app_id, "id_card_front", png(856, 540), "front.jpg")
    assert renamed.status_code == 422
    assert renamed.json()["errors"][0]["field"] == "id_card_front"
    assert renamed.json()["errors"][0]["code"] == "file_name_mismatch"
    text = await upload(caller, headers, app_id, "diploma_scan", b"not an image" * 50, "d.jpg")
    assert text.status_code == 415 and text.json()["errors"][0]["field"] == "diploma_scan"
    small = await upload(caller, headers, app_id, "photo", jpeg(100, 120), "tiny.jpg")
    assert small.status_code == 422 and small.json()["errors"][0]["code"] == "image_too_small"
    unknown = await upload(caller, headers, app_id, "passport", jpeg(480, 640), "p.jpg")
    assert unknown.status_code == 422
    mine = await caller.http.get(f"{stack.url}/me/degree-applications/{app_id}", headers=headers)
    assert mine.json()["materials"] == []

    # A report code that is not the student's own report is refused on `code`.
    ordered = await caller.http.post(
        f"{stack.url}/me/reports",
        json={"record_kind": "qualification", "record_id": record["id"], "validity_days": 30},
        headers=headers,
    )
    assert ordered.status_code == 201, ordered.text
    regular_app = await caller.http.put(
        f"{stack.url}/me/degree-applications/{app_id}/registration-report",
        json={"code": ordered.json()["code"]},
        headers=regular,
    )
    assert regular_app.status_code == 404
    other_round = await open_round(caller, institution, education_type="regular")
    theirs = (await apply(caller, regular, other_round["id"])).json()["id"]
    foreign_code = await caller.http.put(
        f"{stack.url}/me/degree-applications/{theirs}/registration-report",
        json={"code": ordered.json()["code"]},
        headers=regular,
    )
    assert foreign_code.status_code == 422
    assert foreign_code.json()["errors"][0]["field"] == "code"
    assert foreign_code.json()["errors"][0]["code"] == "report_unknown"

    # A round outside its window takes no application.
    now = datetime.now(UTC)
    closed = await open_round(
        caller, institution, opens_at=(now - timedelta(days=10)).isoformat(),
        closes_at=(now - timedelta(days=1)).isoformat(),
    )  # fmt: skip
    late = await apply(caller, headers, closed["id"])
    assert late.status_code == 409 and late.json()["code"] == "degree_round_not_open"
    # Staff close a round early: a draft can no longer be submitted.
    closing = await caller.http.patch(
        f"{stack.url}/institutions/{institution}/degree-rounds/{other_round['id']}",
        json={"closes_at": (now - timedelta(minutes=1)).isoformat()},
        headers=await caller.staff(institution),
    )
    assert closing.status_code == 200, closing.text
    after_close = await caller.http.post(
        f"{stack.url}/me/degree-applications/{theirs}/submit", headers=regular
    )
    assert after_close.status_code == 409
    assert after_close.json()["code"] == "degree_round_not_open"
    foreign_patch = await caller.http.patch(
        f"{stack.url}/institutions/{institution}/degree-rounds/{other_round['id']}",
        json={"title": "改名"},
        headers=foreign,
    )
    assert foreign_patch.status_code == 403
    backwards = await caller.http.post(
        f"{stack.url}/institutions/{institution}/degree-rounds",
        json={"title": "x", "opens_at": now.isoformat(), "closes_at": now.isoformat()},
        headers=await caller.staff(institution),
    )
    assert backwards.status_code == 422
