"""Online verification reports against real identity and records processes: a student orders
a report of a record of their own, hands over the code, PDF or credential, and anyone
verifies it; what the student hid appears nowhere; closing, expiry, correction and unbinding
each verify as such; partners verify in bulk with a signed receipt."""

import base64
import io
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from educert_common.credentials.multibase import decode_multikey
from educert_common.credentials.vc import check_credential
from educert_common.signing.pades import async_check_pdf_signature
from educert_common.signing.receipts import verify_receipt
from educert_common.testing.browser import render, screenshot
from educert_common.testing.clock import MovableClock
from educert_common.testing.people import Person
from educert_common.testing.waiting import wait_until
from records.testing import (
    RNG,
    Caller,
    Stack,
    adult,
    degree_body,
    qualification_body,
)

pytestmark = pytest.mark.e2e
MISS_LIMIT = 6
DOCS_IMAGES = Path(__file__).resolve().parents[4] / "docs" / "images"


@pytest.fixture(scope="module")
def clock(tmp_path_factory: pytest.TempPathFactory) -> MovableClock:
    return MovableClock(tmp_path_factory.mktemp("clock") / "offset")


@pytest.fixture(scope="module")
def records_env(clock: MovableClock, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {
        "RECORDS_CLOCK_OFFSET_FILE": str(clock.path),
        "RECORDS_REPORT_MISSES_PER_ADDRESS_PER_HOUR": str(MISS_LIMIT),
        # The PDFs and credentials are signed with a development key of this run.
        "EDUCERT_SIGNING_DEV_DIR": str(tmp_path_factory.mktemp("signing")),
    }


async def bound_qualification(
    caller: Caller, institution: str, who: Person, owner: uuid.UUID, **overrides: Any
) -> dict[str, Any]:
    """A qualification the institution reported, already in `owner`'s archive (binding itself
    is tested in test_binding)."""
    number = f"S{RNG.randrange(10**8):08d}"
    response = await caller.http.put(
        f"{caller.stack.url}/institutions/{institution}/qualifications/{number}",
        json=qualification_body(who, institution, **overrides),
        headers=await caller.staff(institution),
    )
    assert response.status_code == 201, response.text
    record = dict(response.json()["record"])
    await caller.stack.execute(
        "UPDATE qualification_records SET owner_id = :owner, bound_at = now(), "
        "bound_via = 'automatic' WHERE id = :id",
        owner=owner,
        id=uuid.UUID(record["id"]),
    )
    return record


async def order(
    caller: Caller, headers: dict[str, str], record: dict[str, Any], **fields: Any
) -> httpx.Response:
    body = {"record_kind": "qualification", "record_id": record["id"], "validity_days": 30}
    return await caller.http.post(
        f"{caller.stack.url}/me/reports", json={**body, **fields}, headers=headers
    )


async def verify(caller: Caller, code: str, **headers: str) -> dict[str, Any]:
    response = await caller.http.get(f"{caller.stack.url}/reports/verify/{code}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def logged(
    caller: Caller, base: str, headers: dict[str, str], count: int
) -> list[dict[str, Any]]:
    """The report's verification log (newest first) once it holds `count` entries: looks by
    code are written behind their answers, within the log writer's delay."""

    async def entries() -> list[dict[str, Any]]:
        response = await caller.http.get(f"{base}/verifications", headers=headers)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        assert len(items) <= count, items
        return items if len(items) == count else []

    return await wait_until(entries, timeout=10, message=f"{count} verification log entries")


@pytest.fixture(scope="module")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


async def test_a_report_verifies_with_its_facts_by_code_page_pdf_and_credential(
    caller: Caller, stack: Stack, tmp_path: Path
) -> None:
    institution = await caller.institution()
    who = adult()
    owner, headers = await caller.student()
    record = await bound_qualification(caller, institution, who, owner)

    ordered = await order(caller, headers, record, validity_days=60)
    assert ordered.status_code == 201, ordered.text
    report = ordered.json()
    assert report["status"] == "active" and report["state"] == "valid"
    code = report["code"]
    assert len(code) == 19 and code.count("-") == 3  # 16 characters of base32, grouped by 4
    assert report["verify_url"].endswith(f"/api/v1/records/v/{code.replace('-', '')}")
    issued = await stack.subscriber.wait_for("records.report.issued", report_id=report["id"])
    assert issued["data"]["user_id"] == str(owner)

    # The JSON answer: valid, the facts, who issued the record and that it is in the registry.
    answer = await verify(caller, code.lower().replace("-", " "))
    assert answer["state"] == "valid" and answer["document_type"] == "qualification_report"
    facts = {fact["key"]: fact["value"] for fact in answer["facts"]}
    assert facts["name"] == who.name and facts["certificate_number"] == record["certificate_number"]
    assert facts["id_number"] == who.id_number[:3] + "*" * 11 + who.id_number[-4:]
    assert answer["issuer"]["institution_id"] == institution
    assert answer["issuer"]["registry_status"] == "active"

    # The PDF: PAdES-signed, intact, by the platform's key; any change breaks it.
    pdf = await caller.http.get(
        f"{stack.url}/me/reports/{report['id']}/pdf", params={"language": "en"}, headers=headers
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    keys = (await caller.http.get(f"{stack.url}/issuer/jwks.json")).json()
    root = _certificate(keys)
    check = await async_check_pdf_signature(pdf.content, [root])
    assert check.signed and check.intact and check.valid and check.trusted, check
    assert check.covers_whole_file
    text = _pdf_text(pdf.content, tmp_path)
    assert who.name in text and code in text and record["certificate_number"] in text
    # One byte changed inside the signed range (the page's content stream).
    at = pdf.content.index(b"stream", pdf.content.index(b"/Contents")) + 40
    tampered = pdf.content[:at] + bytes([pdf.content[at] ^ 0x01]) + pdf.content[at + 1 :]
    assert not (await async_check_pdf_signature(tampered, [root])).intact
    _pdf_png(pdf.content, tmp_path)

    # The credential: the same facts, a proof that checks with the published key, and its
    # status in the published list.
    credential = (
        await caller.http.get(f"{stack.url}/me/reports/{report['id']}/credential", headers=headers)
    ).json()
    assert credential["credentialSubject"]["facts"]["name"] == who.name
    verdict = await _check_credential(caller, credential)
    assert verdict.state == "valid", verdict
    forged = json.loads(json.dumps(credential))
    forged["credentialSubject"]["facts"]["name"] = "王五"
    assert (await _check_credential(caller, forged)).state == "proof_invalid"

    # The page a QR code opens, in a real browser, in both languages.
    page = await caller.http.get(
        f"{stack.url}/v/{code.replace('-', '')}", headers={"Accept-Language": "en-GB,en;q=0.9"}
    )
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = tmp_path / "page.html"
    html.write_text(page.text)
    dom, requested = render(html.as_uri(), tmp_path)
    assert who.name in dom and record["certificate_number"] in dom
    assert all(url.startswith("file:") or url.startswith("data:") for url in requested), requested
    screenshot(html.as_uri(), tmp_path / "page.png", width=390, height=1100)
    assert (tmp_path / "page.png").stat().st_size > 10_000
    if os.environ.get("EDUCERT_SAVE_SCREENSHOTS"):
        # What docs/records.md shows: a real report's page and its PDF.
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / "page.png", DOCS_IMAGES / "report-page-en.png")
        shutil.copyfile(tmp_path / "report-1.png", DOCS_IMAGES / "report-pdf-en.png")


async def test_a_shown_photo_is_in_the_pdf_and_on_the_page_but_not_in_the_json(
    caller: Caller, stack: Stack, tmp_path: Path
) -> None:
    institution = await caller.institution()
    who = adult()
    owner, headers = await caller.student()
    number = f"S{RNG.randrange(10**8):08d}"
    base = f"{stack.url}/institutions/{institution}/qualifications/{number}"
    staff = await caller.staff(institution)
    reported = await caller.http.put(base, json=qualification_body(who, institution), headers=staff)
    assert reported.status_code == 201, reported.text
    photo = io.BytesIO()
    Image.new("RGB", (300, 400), (40, 120, 200)).save(photo, format="JPEG")
    put = await caller.http.put(
        f"{base}/photo", files={"photo": ("p.jpg", photo.getvalue())}, headers=staff
    )
    assert put.status_code == 200, put.text
    record_id = reported.json()["record"]["id"]
    await stack.execute(
        "UPDATE qualification_records SET owner_id = :owner, bound_at = now(), "
        "bound_via = 'automatic' WHERE id = :id",
        owner=owner,
        id=uuid.UUID(record_id),
    )
    report = (await order(caller, headers, {"id": record_id})).json()
    assert report["has_photo"] is True

    pdf = await caller.http.get(f"{stack.url}/me/reports/{report['id']}/pdf", headers=headers)
    images = _pdf_images(pdf.content, tmp_path)
    # The photo is the one raster image (the QR code is drawn as vector squares).
    assert len(images) == 1 and images[0].split()[3:5] == ["300", "400"], images
    page = (await caller.http.get(f"{stack.url}/v/{report['code']}")).text
    assert page.count("data:image/jpeg;base64,") == 1
    answer = json.dumps(await verify(caller, report["code"]))
    assert "base64" not in answer and "photo" not in answer


async def test_hidden_fields_appear_in_no_representation(
    caller: Caller, stack: Stack, tmp_path: Path
) -> None:
    institution = await caller.institution()
    who = adult()
    owner, headers = await caller.student()
    record = await bound_qualification(caller, institution, who, owner)
    await stack.execute(
        "UPDATE qualification_records SET photo_key = 'sha256-photo' WHERE id = :id",
        id=uuid.UUID(record["id"]),
    )
    disclosure = {"id_number": "hidden", "birth_date": "hidden", "photo": "hidden"}
    report = (await order(caller, headers, record, disclosure=disclosure)).json()
    assert report["has_photo"] is False
    masked = who.id_number[:3] + "*" * 11 + who.id_number[-4:]
    born = who.birth_date.isoformat()
    code = report["code"]

    answer = json.dumps(await verify(caller, code), ensure_ascii=False)
    page = (await caller.http.get(f"{stack.url}/v/{code}")).text
    pdf = await caller.http.get(f"{stack.url}/me/reports/{report['id']}/pdf", headers=headers)
    pdf_text = _pdf_text(pdf.content, tmp_path)
    credential = (
        await caller.http.get(f"{stack.url}/me/reports/{report['id']}/credential", headers=headers)
    ).text
    for shown in (answer, page, pdf_text, credential, json.dumps(report, ensure_ascii=False)):
        assert who.name in shown
        for hidden in (masked, who.id_number, who.id_number[-4:] + "\n", born):
            assert hidden not in shown
        assert "data:image" not in shown


async def test_closing_extending_expiry_and_the_access_log(
    caller: Caller, stack: Stack, clock: MovableClock
) -> None:
    institution = await caller.institution()
    owner, headers = await caller.student()
    record = await bound_qualification(caller, institution, adult(), owner)
    report = (await order(caller, headers, record, validity_days=30)).json()
    base = f"{stack.url}/me/reports/{report['id']}"

    too_long = await caller.http.post(f"{base}/extend", json={"days": 360}, headers=headers)
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "days"
    longer = await caller.http.post(f"{base}/extend", json={"days": 30}, headers=headers)
    assert longer.status_code == 200
    assert longer.json()["valid_until"] > report["valid_until"]

    await verify(caller, report["code"], **{"X-Forwarded-For": "203.0.113.57"})
    await caller.http.get(f"{stack.url}/v/{report['code']}")
    log = await logged(caller, base, headers, 2)
    assert [entry["channel"] for entry in log] == ["page", "api"]
    assert all(entry["state"] == "valid" for entry in log)
    assert all(entry["client_masked"].endswith(".x") for entry in log)

    # 61 days later the report has expired: it says so, with the date, not "not found".
    clock.advance(days=61)
    try:
        expired = await verify(caller, report["code"])
        assert expired["state"] == "expired" and expired["state_since"] is not None
        assert expired["facts"] == [] and expired["issuer"]["institution_id"] == institution
        late = await caller.http.post(f"{base}/close", headers=headers)
        assert late.status_code == 409 and late.json()["code"] == "report_not_open"
    finally:
        clock.advance(days=-61)

    closed = await caller.http.post(f"{base}/close", headers=headers)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    answer = await verify(caller, report["code"])
    assert answer["state"] == "closed" and answer["facts"] == []
    event = await stack.subscriber.wait_for("records.report.closed", report_id=report["id"])
    assert event["data"]["reason"] == "holder" and event["data"]["revoked"] is False
    again = await caller.http.post(f"{base}/extend", json={"days": 30}, headers=headers)
    assert again.status_code == 409
    no_pdf = await caller.http.get(f"{base}/pdf", headers=headers)
    assert no_pdf.status_code == 409


async def test_a_corrected_record_revokes_its_reports_and_the_status_list_says_so(
    caller: Caller, stack: Stack
) -> None:
    institution = await caller.institution()
    who = adult()
    owner, headers = await caller.student()
    record = await bound_qualification(caller, institution, who, owner)
    report = (await order(caller, headers, record)).json()
    credential = (
        await caller.http.get(f"{stack.url}/me/reports/{report['id']}/credential", headers=headers)
    ).json()
    assert (await _check_credential(caller, credential)).state == "valid"

    changed = qualification_body(
        who, institution, certificate_number=record["certificate_number"], major="软件工程"
    )
    response = await caller.http.put(
        f"{stack.url}/institutions/{institution}/qualifications/{record['student_number']}",
        json={**changed, "reason": "专业名称更正"},
        headers=await caller.staff(institution),
    )
    assert response.status_code == 200, response.text
    answer = await verify(caller, report["code"])
    assert answer["state"] == "revoked" and answer["state_since"]
    assert "corrected" in answer["reason_en"] and answer["facts"] == []
    event = await stack.subscriber.wait_for("records.report.closed", report_id=report["id"])
    assert event["data"] == {**event["data"], "revoked": True, "reason": "record_changed"}
    assert (await _check_credential(caller, credential)).state == "revoked"


async def test_unbinding_revokes_and_merged_institutions_are_named(
    caller: Caller, stack: Stack
) -> None:
    successor = await caller.institution()
    institution = await caller.institution()
    owner, headers = await caller.student()
    record = await bound_qualification(caller, institution, adult(), owner)
    report = (await order(caller, headers, record)).json()
    merged = await caller.http.patch(
        f"{stack.url}/institutions/{institution}",
        json={"status": "merged", "successor_id": successor, "reason": "合并"},
        headers=await caller.operator(),
    )
    assert merged.status_code == 200, merged.text
    issuer = (await verify(caller, report["code"]))["issuer"]
    assert issuer["registry_status"] == "merged"
    assert issuer["successor_name_zh"] == f"测试大学{successor[-4:]}"

    unbound = await caller.http.post(
        f"{stack.url}/support/qualifications/{record['id']}/unbinding",
        json={"reason": "bound to the wrong account"},
        headers=await caller.operator(),
    )
    assert unbound.status_code == 200, unbound.text
    answer = await verify(caller, report["code"])
    assert answer["state"] == "revoked" and "no longer belongs" in answer["reason_en"]


async def test_alerts_carry_a_close_link_that_a_get_does_not_use(
    caller: Caller, stack: Stack
) -> None:
    institution = await caller.institution()
    owner, headers = await caller.student()
    record = await bound_qualification(caller, institution, adult(), owner)
    report = (await order(caller, headers, record, alert_on_verify=True)).json()
    await verify(caller, report["code"])
    alert = await stack.subscriber.wait_for("records.report.verified", report_id=report["id"])
    assert alert["data"]["channel"] == "api" and alert["data"]["state"] == "valid"
    link = alert["data"]["close_link"]
    path = link.split("/api/v1/records", 1)[1]

    page = await caller.http.get(f"{stack.url}{path}")  # a mail scanner following the link
    assert page.status_code == 200 and "<form" in page.text
    assert (await verify(caller, report["code"]))["state"] == "valid"
    wrong = await caller.http.post(f"{stack.url}{path[:-4]}abcd")
    assert wrong.status_code == 404
    closed = await caller.http.post(f"{stack.url}{path}")
    assert closed.status_code == 200
    assert (await verify(caller, report["code"]))["state"] == "closed"
    event = await stack.subscriber.wait_for("records.report.closed", report_id=report["id"])
    assert event["data"]["reason"] == "alert_link"
    assert (await caller.http.post(f"{stack.url}{path}")).status_code == 200  # twice: no change


async def test_partners_verify_in_bulk_with_a_signed_receipt(caller: Caller, stack: Stack) -> None:
    institution = await caller.institution()
    owner, headers = await caller.student()
    first = await bound_qualification(caller, institution, adult(), owner)
    second = await bound_qualification(caller, institution, adult(), owner)
    valid = (await order(caller, headers, first)).json()
    closed = (await order(caller, headers, second)).json()
    await caller.http.post(f"{stack.url}/me/reports/{closed['id']}/close", headers=headers)

    employer = await caller.institution()
    codes = [valid["code"], "ZZZZ-ZZZZ-ZZZZ-ZZZZ", closed["code"].lower(), "not a code"]
    no_scope = await caller.http.post(
        f"{stack.url}/reports/verifications",
        json={"codes": codes},
        headers=await caller.partner(employer, "records:read"),
    )
    assert no_scope.status_code == 403
    partner = await caller.partner(employer, "reports:verify")
    too_many = await caller.http.post(
        f"{stack.url}/reports/verifications", json={"codes": ["A"] * 1001}, headers=partner
    )
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"].startswith("codes")
    response = await caller.http.post(
        f"{stack.url}/reports/verifications", json={"codes": codes}, headers=partner
    )
    assert response.status_code == 200, response.text
    signed = response.json()
    receipt = json.loads(signed["receipt"])
    assert [r["state"] for r in receipt["results"]] == ["valid", "unknown", "closed", "unknown"]
    assert receipt["partner"] == employer
    key = _credential_key(await caller.http.get(f"{stack.url}/issuer/jwks.json"))
    assert verify_receipt(signed["receipt"], signed["signature"], key)
    forged = signed["receipt"].replace('"closed"', '"valid"')
    assert not verify_receipt(forged, signed["signature"], key)

    log = (
        await caller.http.get(
            f"{stack.url}/me/reports/{valid['id']}/verifications", headers=headers
        )
    ).json()["items"]
    assert log[0]["channel"] == "bulk" and log[0]["partner"] == employer


async def test_every_look_is_logged_in_order_and_a_shutdown_writes_what_is_queued(
    caller: Caller, stack: Stack
) -> None:
    institution = await caller.institution()
    owner, headers = await caller.student()
    record = await bound_qualification(caller, institution, adult(), owner)
    report = (await order(caller, headers, record, alert_on_verify=True)).json()
    base = f"{stack.url}/me/reports/{report['id']}"

    channels = ["api", "page", "api", "api", "page"]
    for channel in channels:
        if channel == "api":
            assert (await verify(caller, report["code"]))["state"] == "valid"
        else:
            page = await caller.http.get(f"{stack.url}/v/{report['code']}")
            assert page.status_code == 200
    log = await logged(caller, base, headers, len(channels))
    assert [entry["channel"] for entry in log] == channels[::-1]
    moments = [entry["verified_at"] for entry in log]
    assert moments == sorted(moments, reverse=True)
    # The holder asked to be told: one alert per look, through the outbox.
    alert = await stack.subscriber.wait_for("records.report.verified", report_id=report["id"])
    assert alert["data"]["state"] == "valid"

    # Closed is answered at once (the answer never comes from a log or a cache).
    closed = await caller.http.post(f"{base}/close", headers=headers)
    assert closed.status_code == 200
    assert (await verify(caller, report["code"]))["state"] == "closed"
    log = await logged(caller, base, headers, len(channels) + 1)
    assert log[0]["state"] == "closed"

    # A look still queued when records is stopped (SIGTERM) is written before it exits.
    assert (await verify(caller, report["code"]))["state"] == "closed"
    stack.restart_records(kill=False)
    rows = await stack.rows(
        "SELECT state FROM report_verifications WHERE report_id = :id ORDER BY verified_at",
        id=uuid.UUID(report["id"]),
    )
    assert [state for (state,) in rows] == ["valid"] * len(channels) + ["closed", "closed"]
    await stack.records.wait_ready(timeout=60)


async def test_codes_that_match_nothing_are_limited_per_address(
    caller: Caller, stack: Stack
) -> None:
    guesser = {"X-Forwarded-For": f"198.51.100.{RNG.randrange(2, 250)}"}
    for attempt in range(MISS_LIMIT):
        answer = await verify(caller, f"ABCD-EFGH-JKMN-{attempt:04d}", **guesser)
        assert (answer["state"] == "unknown" and "facts" not in answer) or answer["facts"] == []
    refused = await caller.http.get(f"{stack.url}/reports/verify/ABCDEFGHJKMNPQRS", headers=guesser)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.json()["code"] == "verification_lookups_exceeded"
    page = await caller.http.get(f"{stack.url}/v/ABCDEFGHJKMNPQRS", headers=guesser)
    assert page.status_code == 429 and "text/html" in page.headers["content-type"]
    assert int(page.headers["Retry-After"]) > 0 and "<form" in page.text
    other = await caller.http.get(
        f"{stack.url}/reports/verify/ABCDEFGHJKMNPQRS", headers={"X-Forwarded-For": "192.0.2.9"}
    )
    assert other.status_code == 200


async def test_students_reach_only_their_own_records_and_reports(
    caller: Caller, stack: Stack
) -> None:
    institution = await caller.institution()
    owner, headers = await caller.student()
    _, stranger = await caller.student()
    record = await bound_qualification(caller, institution, adult(), owner)
    assert (await order(caller, stranger, record)).status_code == 404
    unbound = (
        await caller.http.put(
            f"{stack.url}/institutions/{institution}/degrees/D{RNG.randrange(10**8):08d}",
            json=degree_body(adult(), institution),
            headers=await caller.staff(institution),
        )
    ).json()["record"]
    refused = await order(caller, headers, unbound, record_kind="degree")
    assert refused.status_code == 404

    report = (await order(caller, headers, record)).json()
    for path in ("", "/pdf", "/credential", "/verifications"):
        assert (
            await caller.http.get(f"{stack.url}/me/reports/{report['id']}{path}", headers=stranger)
        ).status_code == 404
    for action in ("close", "extend"):
        assert (
            await caller.http.post(
                f"{stack.url}/me/reports/{report['id']}/{action}",
                json={"days": 30},
                headers=stranger,
            )
        ).status_code == 404
    short = await order(caller, headers, record, validity_days=3)
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "validity_days"
    typo = await order(caller, headers, record, validity_days="thirty")
    assert typo.status_code == 422
    assert typo.json()["errors"][0]["field"].endswith("validity_days")
    extra = await order(caller, headers, record, owner_id=str(uuid.uuid4()))
    assert extra.status_code == 422


async def test_operators_set_the_validity_range(caller: Caller, stack: Stack) -> None:
    _, headers = await caller.student()
    body = {"min_validity_days": 7, "max_validity_days": 730, "fee_required": False}
    refused = await caller.http.put(f"{stack.url}/reports/policy", json=body, headers=headers)
    assert refused.status_code == 403
    operator = await caller.operator()
    try:
        set_ = await caller.http.put(f"{stack.url}/reports/policy", json=body, headers=operator)
        assert set_.status_code == 200 and set_.json()["max_validity_days"] == 730
        backwards = {**body, "min_validity_days": 800}
        wrong = await caller.http.put(
            f"{stack.url}/reports/policy", json=backwards, headers=operator
        )
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["field"] == "max_validity_days"
    finally:
        await caller.http.put(
            f"{stack.url}/reports/policy",
            json={"min_validity_days": 30, "max_validity_days": 365, "fee_required": False},
            headers=operator,
        )


# --- helpers ----------------------------------------------------------------------------------


def _certificate(jwks: dict[str, Any]) -> Any:
    from cryptography import x509

    for key in jwks["keys"]:
        if "x5c" in key:
            return x509.load_der_x509_certificate(base64.b64decode(key["x5c"][0]))
    raise AssertionError("no certificate in the published keys")


def _credential_key(response: httpx.Response) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    for key in response.json()["keys"]:
        if key.get("crv") == "Ed25519":
            raw = base64.urlsafe_b64decode(key["x"] + "=" * (-len(key["x"]) % 4))
            return Ed25519PublicKey.from_public_bytes(raw)
    raise AssertionError("no Ed25519 key in the published keys")


async def _check_credential(caller: Caller, credential: dict[str, Any]) -> Any:
    """What a third party concludes, with the issuer's key document and status list fetched
    from the platform (as it would through the gateway)."""
    from datetime import UTC, datetime

    stack = caller.stack
    issuer = (await caller.http.get(f"{stack.url}/issuer")).json()
    methods = {
        m["id"]: decode_multikey(m["publicKeyMultibase"]) for m in issuer["verificationMethod"]
    }
    status_url = credential["credentialStatus"]["statusListCredential"]
    status_list = (
        await caller.http.get(stack.url + status_url.split("/api/v1/records", 1)[1])
    ).json()
    return check_credential(
        credential,
        methods.get,
        datetime.now(UTC),
        lambda url: status_list if url == status_url else None,
    )


def _pdf_text(pdf: bytes, work: Path) -> str:
    path = work / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _pdf_images(pdf: bytes, work: Path) -> list[str]:
    """The rows of `pdfimages -list` (one per raster image in the file)."""
    path = work / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return listing.splitlines()[2:]


def _pdf_png(pdf: bytes, work: Path) -> Path:
    path = work / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "72", str(path), str(work / "report")], check=True)
    image = work / "report-1.png"
    assert image.stat().st_size > 5_000
    return image
