"""Certificates against real identity, payment and certification processes: the holder's
signed PDF (zh/en, its QR code decoded), W3C credential and metadata; anyone verifies the
code by the JSON answer and the page (headless Chromium); partners in bulk; an operator's
revocation shows everywhere, the status list included; codes that match nothing are
limited per address; refusal letters carry the reasons; domestic paper reports' dispatch.

The reviewers' decision routes live on another branch: here a certified application is made
by standing in for that decision in-process (the application row set to certified and
`issue_certificate` run against the certification database, as the decision will call it);
a refused one by the transition row the decision will write (reasons one per line)."""

import base64
import io
import json
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from PIL import Image
from pypdf import PdfReader

from certification.applications.repository import ApplicationRepository
from certification.base import audit
from certification.certificates.documents import FOOTER_EN, FOOTER_ZH
from certification.certificates.models import Certificate
from certification.certificates.service import issue_certificate
from certification.testing import Applicant, Stack, foreign_steps, operator_headers
from educert_common.credentials.multibase import decode_multikey
from educert_common.credentials.vc import check_credential
from educert_common.signing.pades import async_check_pdf_signature
from educert_common.signing.receipts import verify_receipt
from educert_common.testing.browser import render
from educert_common.testing.tokens import Tokens

pytestmark = pytest.mark.e2e
MISS_LIMIT = 4
PUBLIC = "http://127.0.0.1:8000/api/v1/certification"  # the default public base URL


@pytest.fixture(scope="module")
def certification_env() -> dict[str, str]:
    return {"CERTIFICATION_CERTIFICATE_MISSES_PER_ADDRESS_PER_HOUR": str(MISS_LIMIT)}


def domestic_steps() -> dict[str, dict[str, Any]]:
    """A domestic certification of a 1999 bachelor's degree with a paper report in Chinese."""
    return {
        "purpose": {
            "purpose": "employment",
            "accepting_institution": "某某科技有限公司",
            "report_type": "paper_zh",
            "courier": {
                "recipient": "张伟",
                "phone": "13800138000",
                "address": "北京市海淀区中关村大街1号",
                "postcode": "100080",
            },
        },
        "domestic_applicant": {"name_zh": "张伟", "gender": "male", "birth_date": "1996-05-17"},
        "qualification": {
            "institution_name": "北京大学",
            "level": "bachelor",
            "major": "计算机科学与技术",
            "study_start": "1995-09-01",
            "study_end": "1999-07-01",
            "graduated_on": "1999-07-01",
            "certificate_number": "100011199905001234",
            "name_on_certificate": "张伟",
        },
    }


async def certified(
    applicant: Applicant, kind: str = "foreign_degree", steps: dict[str, Any] | None = None
) -> tuple[str, Certificate]:
    """A filled application of `applicant`, certified with its certificate issued (standing
    in for the reviewer's decision, see the module's docstring)."""
    draft = await applicant.open(kind)
    await applicant.fill(draft["id"], steps or foreign_steps())
    now = datetime.now(UTC)
    async with applicant.stack.database.transaction() as session:
        application = await ApplicationRepository(session).lock(uuid.UUID(draft["id"]))
        assert application is not None
        application.state = "certified"
        application.decided_at = now
        certificate = await issue_certificate(
            session, audit, application, actor="rev-standin", now=now
        )
    return draft["id"], certificate


async def verify(http: httpx.AsyncClient, stack: Stack, code: str, client: str) -> httpx.Response:
    return await http.get(
        f"{stack.url}/certificates/verify/{code}", headers={"X-Forwarded-For": client}
    )


async def test_a_certificate_verifies_by_its_pdf_qr_code_page_and_credential(
    applicant: Applicant, stack: Stack, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    application_id, issued = await certified(applicant)
    code = "-".join(issued.code[i : i + 4] for i in range(0, 16, 4))
    verify_url = f"{PUBLIC}/certificates/v/{issued.code}"

    shown = await applicant.call("GET", f"/me/applications/{application_id}/certificate")
    assert shown.status_code == 200, shown.text
    metadata = shown.json()
    assert metadata["number"] == issued.number and metadata["number"].startswith("ZG")
    assert metadata["code"] == code and metadata["state"] == "valid"
    assert metadata["verify_url"] == verify_url
    assert metadata["e_report"] is False and metadata["paper_report"] is None
    facts = {fact["key"]: fact["value"] for fact in metadata["facts"]}
    assert facts["institution"] == "University of Edinburgh" and facts["name"] == "张伟"

    # The PDF in both languages: the number and code in its text, PAdES-signed by the key the
    # platform publishes, and any change breaks the signature.
    root = _certificate(await http.get(f"{stack.url}/issuer/jwks.json"))
    for language in ("zh", "en"):
        pdf = await applicant.call(
            "GET", f"/me/applications/{application_id}/certificate.pdf?language={language}"
        )
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        assert issued.number in text and code in text, text
        check = await async_check_pdf_signature(pdf.content, [root])
        assert check.ok, check
    english = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "University of Edinburgh" in english and "Master of Science" in english
    at = pdf.content.index(b"stream", pdf.content.index(b"/Contents")) + 40
    tampered = pdf.content[:at] + bytes([pdf.content[at] ^ 0x01]) + pdf.content[at + 1 :]
    assert not (await async_check_pdf_signature(tampered, [root])).intact

    # The QR code, rendered as a printer or screen shows it and read by a real decoder, opens
    # this certificate's verification page.
    assert _qr_texts(pdf.content, tmp_path) == [verify_url]

    # The JSON answer: valid, the facts, issued by the platform.
    answer = await verify(http, stack, code.lower().replace("-", " "), "203.0.113.10")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["state"] == "valid" and body["document_type"] == "foreign_degree_certificate"
    assert {f["key"]: f["value"] for f in body["facts"]}["certificate_number"] == issued.number
    assert body["issuer"]["name_zh"] == "EduCert 学历学位认证平台"

    # The page the QR code opens, in a real browser, in both languages; the code form sends a
    # typed code on to its page.
    dom, requested = render(f"{stack.url}/certificates/v/{issued.code}?lang=en", tmp_path)
    assert 'data-state="valid"' in dom and issued.number in dom and "Valid" in dom
    assert all(url.startswith(stack.certification.url) for url in requested), requested
    dom_zh, _ = render(f"{stack.url}/certificates/v/{issued.code}?lang=zh", tmp_path / "zh")
    assert "有效" in dom_zh and "北京时间" in dom_zh and issued.number in dom_zh
    typed = await http.get(
        f"{stack.url}/certificates/v", params={"code": code.lower(), "lang": "en"}
    )
    assert typed.status_code == 303 and typed.headers["location"] == f"v/{issued.code}?lang=en"
    form = await http.get(f"{stack.url}/certificates/v", params={"code": "not-a-code"})
    assert form.status_code == 200 and "<form" in form.text
    assert "default-src 'none'" in form.headers["content-security-policy"]

    # The credential: the same facts, a proof that checks with the published key, a status
    # in the published list; a changed fact breaks the proof.
    response = await applicant.call(
        "GET", f"/me/applications/{application_id}/certificate/credential"
    )
    assert response.status_code == 200 and response.headers["content-type"] == "application/vc"
    credential = response.json()
    assert credential["credentialSubject"]["certificateNumber"] == issued.number
    assert (await _check_credential(http, stack, credential)).state == "valid"
    forged = json.loads(json.dumps(credential))
    forged["credentialSubject"]["facts"]["name"] = "王五"
    assert (await _check_credential(http, stack, forged)).state == "proof_invalid"


async def test_an_operator_revokes_and_every_channel_says_so(
    applicant: Applicant, stack: Stack, http: httpx.AsyncClient, tokens: Tokens, tmp_path: Path
) -> None:
    application_id, issued = await certified(applicant)
    credential = (
        await applicant.call("GET", f"/me/applications/{application_id}/certificate/credential")
    ).json()
    path = f"{stack.url}/certificates/{issued.id}/revoke"
    reason = {"reason": "The awarding institution says the degree was not conferred"}

    assert (await http.post(path, json=reason, headers=applicant.headers)).status_code == 403
    operator = await operator_headers(tokens)
    blank = await http.post(path, json={"reason": " "}, headers=operator)
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reason"
    missing = await http.post(
        f"{stack.url}/certificates/{uuid.uuid4()}/revoke", json=reason, headers=operator
    )
    assert missing.status_code == 404

    revoked = await http.post(path, json=reason, headers=operator)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["state"] == "revoked" and revoked.json()["revoked_at"]
    event = await stack.subscriber.wait_for(
        "certification.certificate.revoked", certificate_id=str(issued.id)
    )
    assert event["data"]["reason"] == reason["reason"]
    assert event["data"]["number"] == issued.number
    audited = await stack.rows(
        "SELECT actor FROM audit_entries WHERE action = 'certificate.revoked' AND subject_id = :id",
        id=str(issued.id),
    )
    assert len(audited) == 1 and audited[0].actor.startswith("op-")

    again = await http.post(path, json=reason, headers=operator)
    assert again.status_code == 409 and again.json()["code"] == "certificate_revoked"

    # Anyone verifying now learns it was revoked, when and why, and no longer its facts.
    answer = (await verify(http, stack, issued.code, "203.0.113.20")).json()
    assert answer["state"] == "revoked" and answer["facts"] == []
    assert answer["state_since"] and answer["reason_en"] == reason["reason"]
    dom, _ = render(f"{stack.url}/certificates/v/{issued.code}?lang=en", tmp_path)
    assert 'data-state="revoked"' in dom and "Revoked" in dom and reason["reason"] in dom

    # A credential downloaded before: its bit is set in the status list.
    verdict = await _check_credential(http, stack, credential)
    assert verdict.state == "revoked", verdict
    # The holder still sees the certificate, but its documents are no longer handed out.
    mine = (await applicant.call("GET", f"/me/applications/{application_id}/certificate")).json()
    assert mine["state"] == "revoked" and mine["revoked_reason"] == reason["reason"]
    for document in ("certificate.pdf", "certificate/credential"):
        refused = await applicant.call("GET", f"/me/applications/{application_id}/{document}")
        assert refused.status_code == 409 and refused.json()["code"] == "certificate_revoked"


async def test_codes_that_match_nothing_are_limited_per_address(
    stack: Stack, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    # A code that names nothing, on the page in a real browser (its own address, loopback).
    dom, _ = render(f"{stack.url}/certificates/v/ZZZZZZZZZZZZZZZZ?lang=en", tmp_path)
    assert 'data-state="unknown"' in dom and "ZZZZ-ZZZZ-ZZZZ-ZZZZ" in dom

    guesser = f"198.51.100.{uuid.uuid4().int % 200 + 2}"
    for attempt in range(MISS_LIMIT):
        answer = await verify(http, stack, f"ABCD-EFGH-JKMN-{attempt:04d}", guesser)
        assert answer.status_code == 200 and answer.json()["state"] == "unknown"
        assert "facts" not in answer.json() or answer.json()["facts"] == []
    refused = await verify(http, stack, "ABCDEFGHJKMNPQRS", guesser)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.json()["code"] == "verification_lookups_exceeded"
    page = await http.get(
        f"{stack.url}/certificates/v/ABCDEFGHJKMNPQRS", headers={"X-Forwarded-For": guesser}
    )
    assert page.status_code == 429 and "<form" in page.text
    assert (await verify(http, stack, "ABCDEFGHJKMNPQRS", "192.0.2.77")).status_code == 200


async def test_partners_verify_certificates_in_bulk_with_a_signed_receipt(
    applicant: Applicant, stack: Stack, http: httpx.AsyncClient, tokens: Tokens
) -> None:
    _, issued = await certified(applicant)
    url = f"{stack.url}/certificates/verifications"
    codes = [issued.code.lower(), "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "not a code"]

    async def partner(*scopes: str) -> dict[str, str]:
        token = await tokens.mint(
            f"partner:{uuid.uuid4().hex[:8]}", roles=("partner",), institution="9100000001",
            scopes=scopes,
        )  # fmt: skip
        return {"Authorization": f"Bearer {token}"}

    no_scope = await http.post(url, json={"codes": codes}, headers=await partner("records:read"))
    assert no_scope.status_code == 403
    allowed = await partner("reports:verify")
    empty = await http.post(url, json={"codes": []}, headers=allowed)
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"].startswith("codes")
    response = await http.post(url, json={"codes": codes}, headers=allowed)
    assert response.status_code == 200, response.text
    signed = response.json()
    receipt = json.loads(signed["receipt"])
    assert [r["state"] for r in receipt["results"]] == ["valid", "unknown", "unknown"]
    assert receipt["partner"] == "9100000001"
    key = _credential_key(await http.get(f"{stack.url}/issuer/jwks.json"))
    assert verify_receipt(signed["receipt"], signed["signature"], key)
    assert not verify_receipt(
        signed["receipt"].replace('"valid"', '"unknown"'), signed["signature"], key
    )


async def test_another_applicants_certificate_and_letter_are_not_found(
    applicant: Applicant, stack: Stack, http: httpx.AsyncClient, tokens: Tokens
) -> None:
    from certification.testing import verified_applicant

    application_id, _ = await certified(applicant)
    stranger = await verified_applicant(http, stack, tokens, real_name="李娜", gender="female")
    for path in (
        "certificate",
        "certificate.pdf",
        "certificate/credential",
        "refusal-letter.pdf",
    ):
        response = await stranger.call("GET", f"/me/applications/{application_id}/{path}")
        assert response.status_code == 404, (path, response.text)
    unknown = await applicant.call("GET", f"/me/applications/{uuid.uuid4()}/certificate")
    assert unknown.status_code == 404 and unknown.json()["code"] == "certificate_not_found"
    bad = await applicant.call(
        "GET", f"/me/applications/{application_id}/certificate.pdf?language=fr"
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("language")


async def test_a_refusal_letter_carries_the_reviewers_reasons(
    applicant: Applicant, stack: Stack, tmp_path: Path
) -> None:
    draft = await applicant.open()
    await applicant.fill(draft["id"], foreign_steps())
    not_yet = await applicant.call("GET", f"/me/applications/{draft['id']}/refusal-letter.pdf")
    assert not_yet.status_code == 409 and not_yet.json()["code"] == "not_refused"

    reasons = [
        "Degree awarded by an institution not recognised in its country",
        "The study was done online from China",
    ]
    await _refuse(stack, draft["id"], reasons)
    letter = await applicant.call(
        "GET", f"/me/applications/{draft['id']}/refusal-letter.pdf?language=en"
    )
    assert letter.status_code == 200 and letter.headers["content-type"] == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(letter.content)).pages[0].extract_text().split())
    assert f"1. {reasons[0]}" in text and f"2. {reasons[1]}" in text, text
    assert draft["number"] in text
    root = _certificate(await applicant.http.get(f"{stack.url}/issuer/jwks.json"))
    assert (await async_check_pdf_signature(letter.content, [root])).ok
    chinese = await applicant.call("GET", f"/me/applications/{draft['id']}/refusal-letter.pdf")
    assert chinese.status_code == 200
    assert reasons[1] in _pdftotext(chinese.content, tmp_path).replace("\n", " ")
    # No certificate for a refused application.
    none = await applicant.call("GET", f"/me/applications/{draft['id']}/certificate")
    assert none.status_code == 404


async def test_a_long_refusal_letter_flows_onto_more_pages(
    applicant: Applicant, stack: Stack, tmp_path: Path
) -> None:
    """Forty long reasons (half Chinese, half English) no longer run off the one page: the
    letter continues on the next pages, every reason whole and in order, still signed."""
    draft = await applicant.open()
    await applicant.fill(draft["id"], foreign_steps())
    reasons = [
        f"理由{number}：所提交的成绩单与颁发机构留存的记录不一致，且学习期间与出入境管理部门"
        "记录的在华居留时间重叠，无法确认为在境外实际学习取得的学位。"
        if number % 2
        else f"Reason {number}: the transcript does not match the records held by the awarding "
        "institution, and the study overlaps a period of residence in China recorded by the "
        "entry-exit administration."
        for number in range(1, 41)
    ]
    await _refuse(stack, draft["id"], reasons)
    root = _certificate(await applicant.http.get(f"{stack.url}/issuer/jwks.json"))
    for language in ("zh", "en"):
        letter = await applicant.call(
            "GET", f"/me/applications/{draft['id']}/refusal-letter.pdf?language={language}"
        )
        assert letter.status_code == 200
        pages = PdfReader(io.BytesIO(letter.content)).pages
        assert len(pages) > 1, language
        # Every page ends with the footer and its number; lines wrap anywhere in Chinese, so
        # the text is compared without white space.
        footer = "".join((FOOTER_ZH if language == "zh" else FOOTER_EN).split())
        text = ""
        for number, page in enumerate(pages, start=1):
            page_text = "".join(page.extract_text().split())
            assert page_text.endswith(f"{footer}{number}/{len(pages)}"), page_text[-80:]
            text += page_text.removesuffix(f"{footer}{number}/{len(pages)}")
        at = [text.find("".join(f"{n}. {reason}".split())) for n, reason in enumerate(reasons, 1)]
        assert -1 not in at and at == sorted(at), (language, at)
        assert (await async_check_pdf_signature(letter.content, [root])).ok
        page_two = _render_page(letter.content, 2, tmp_path / language)
        assert page_two.size[1] > page_two.size[0]  # A4 portrait, drawn by poppler


async def test_domestic_paper_reports_are_dispatched_and_the_pdf_is_the_e_report(
    applicant: Applicant, stack: Stack, http: httpx.AsyncClient, tokens: Tokens
) -> None:
    application_id, issued = await certified(applicant, "domestic_qualification", domestic_steps())
    mine = (await applicant.call("GET", f"/me/applications/{application_id}/certificate")).json()
    assert mine["e_report"] is True and mine["paper_report"] == "paper_zh"
    assert mine["document_type"] == "domestic_qualification_report" and mine["dispatches"] == []
    e_report = await applicant.call("GET", f"/me/applications/{application_id}/certificate.pdf")
    assert e_report.status_code == 200
    assert issued.number in PdfReader(io.BytesIO(e_report.content)).pages[0].extract_text()

    operator = await operator_headers(tokens)
    path = f"{stack.url}/certificates/{issued.id}/dispatch"
    body = {
        "courier_company": "EMS",
        "tracking_number": "EA123456789CN",
        "dispatched_at": "2026-12-02T09:30:00+08:00",
    }
    assert (await http.post(path, json=body, headers=applicant.headers)).status_code == 403
    wrong = await http.post(path, json={**body, "tracking_number": "x"}, headers=operator)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "tracking_number"
    naive = await http.post(
        path, json={**body, "dispatched_at": "2026-12-02T09:30:00"}, headers=operator
    )
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "dispatched_at"
    sent = await http.post(path, json=body, headers=operator)
    assert sent.status_code == 201, sent.text
    mine = (await applicant.call("GET", f"/me/applications/{application_id}/certificate")).json()
    assert [(d["courier_company"], d["tracking_number"]) for d in mine["dispatches"]] == [
        ("EMS", "EA123456789CN")
    ]
    assert mine["dispatches"][0]["dispatched_at"].startswith("2026-12-02T01:30:00")

    # A foreign degree's certificate has no paper report to send.
    _, foreign = await certified(applicant)
    refused = await http.post(
        f"{stack.url}/certificates/{foreign.id}/dispatch", json=body, headers=operator
    )
    assert refused.status_code == 409 and refused.json()["code"] == "no_paper_report"


# --- helpers ----------------------------------------------------------------------------------


def _certificate(response: httpx.Response) -> x509.Certificate:
    for key in response.json()["keys"]:
        if "x5c" in key:
            return x509.load_der_x509_certificate(base64.b64decode(key["x5c"][0]))
    raise AssertionError("no certificate in the published keys")


def _credential_key(response: httpx.Response) -> Ed25519PublicKey:
    for key in response.json()["keys"]:
        if key.get("crv") == "Ed25519":
            raw = base64.urlsafe_b64decode(key["x"] + "=" * (-len(key["x"]) % 4))
            return Ed25519PublicKey.from_public_bytes(raw)
    raise AssertionError("no Ed25519 key in the published keys")


async def _check_credential(http: httpx.AsyncClient, stack: Stack, credential: dict) -> Any:
    """What a third party concludes with the issuer's key document and the status list
    fetched from the platform (the public base URL mapped onto the test's process)."""
    issuer = (await http.get(f"{stack.url}/issuer")).json()
    methods = {
        m["id"]: decode_multikey(m["publicKeyMultibase"]) for m in issuer["verificationMethod"]
    }
    status_url = credential["credentialStatus"]["statusListCredential"]
    assert status_url == f"{PUBLIC}/certificates/status-lists/certificates-1"
    status_list = (await http.get(stack.url + status_url.removeprefix(PUBLIC))).json()
    return check_credential(
        credential,
        methods.get,
        datetime.now(UTC),
        lambda url: status_list if url == status_url else None,
    )


def _qr_texts(pdf: bytes, work: Path) -> list[str]:
    """Render the PDF's page to PNG (pdftoppm) and read every QR code on it (zxing-cpp)."""
    path = work / "certificate.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", str(path), str(work / "certificate")], check=True
    )
    image = Image.open(work / "certificate-1.png")
    return [found.text for found in zxingcpp.read_barcodes(image)]


async def _refuse(stack: Stack, application_id: str, reasons: list[str]) -> None:
    """Stands in for the reviewer's refusal: the transition it records, reasons one per line."""
    await stack.execute(
        "UPDATE applications SET state = 'refused', decided_at = now() WHERE id = :id",
        id=uuid.UUID(application_id),
    )
    await stack.execute(
        "INSERT INTO application_transitions (id, application_id, from_state, to_state, actor, "
        "reason, at) VALUES (:id, :application, 'in_review', 'refused', 'rev-standin', :reason, "
        "now())",
        id=uuid.uuid4(),
        application=uuid.UUID(application_id),
        reason="\n".join(reasons) + "\n",
    )


def _render_page(pdf: bytes, number: int, work: Path) -> Image.Image:
    """One page of the PDF as poppler draws it (pdftoppm, PNG at 100 dpi)."""
    work.mkdir(parents=True, exist_ok=True)
    path = work / "document.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "100",
            "-f",
            str(number),
            "-l",
            str(number),
            "-singlefile",
            str(path),
            str(work / f"page-{number}"),
        ],
        check=True,
    )
    return Image.open(work / f"page-{number}.png")


def _pdftotext(pdf: bytes, work: Path) -> str:
    path = work / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
