"""The journeys issue 11 names, end to end against real processes: identity (registration,
real-name and face verification), payment with its provider sandbox, notification with its
development SMTP sink and SMS carrier, and certification.

- A foreign degree: register, face check (entry-exit records covering the study), the steps,
  materials, pay through the sandbox, the reviewer returns it for supplements, the applicant
  re-uploads, the reviewer certifies; the certificate PDF parsed and its signature checked;
  verified by code on the public page in a real browser; SMS and e-mail of the request and
  the result.
- A refusal with managed reasons, then a reconsideration of it (free) that joins the queue.
- A domestic certification with a paper report: two orders (certification and courier),
  the courier dispatch recorded, the e-report downloadable.
"""

import base64
import io
import random
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from pypdf import PdfReader
from pypinyin import lazy_pinyin

from certification.testing import (
    Applicant,
    Stack,
    foreign_steps,
    operator_headers,
    pdf_bytes,
    reviewer_headers,
)
from educert_common.signing.pades import async_check_pdf_signature
from educert_common.testing.browser import render
from educert_common.testing.onboarding import IdentityTap, verified_person
from educert_common.testing.people import Person, person
from educert_common.testing.tokens import Tokens
from educert_common.testing.waiting import wait_until
from identity.face.dev_client import DevFaceApp

pytestmark = pytest.mark.e2e
FACE_SECRET = "dev-only-face-app-secret"  # identity's development face-app secret
RNG = random.Random(1102)


@pytest.fixture(scope="module")
def with_notification() -> bool:
    return True


@pytest.fixture(scope="module")
async def tap(stack: Stack) -> AsyncIterator[IdentityTap]:
    listening = IdentityTap()
    await listening.start()
    try:
        yield listening
    finally:
        await listening.close()


async def registered(
    http: httpx.AsyncClient,
    stack: Stack,
    tokens: Tokens,
    tap: IdentityTap,
    *,
    born: tuple[int, int] = (1990, 1999),
) -> tuple[Applicant, Person]:
    """A person (born in the years `born`) registered and real-name verified with identity;
    certification learns of the account from identity's event."""
    who = person(RNG, born_after=date(born[0], 1, 1))
    while who.birth_date.year > born[1]:
        who = person(RNG, born_after=date(born[0], 1, 1))
    # The e-mail address activated too: results reach verified addresses only.
    onboarded = await verified_person(
        http, stack.identity.url, await operator_headers(tokens), tap, who, activate_email=True
    )

    async def known() -> bool:
        rows = await stack.rows(
            "SELECT real_name FROM verified_accounts WHERE user_id = :id", id=onboarded.user_id
        )
        return bool(rows) and rows[0].real_name == who.name

    await wait_until(known, timeout=30, message="certification knows the verified account")
    return Applicant(http, stack, onboarded.user_id, onboarded.headers, who.name), who


def passport_names(who: Person) -> tuple[str, str]:
    return lazy_pinyin(who.name[0])[0].upper(), "".join(lazy_pinyin(who.name[1:])).upper()


def steps_of(who: Person) -> dict[str, dict[str, Any]]:
    surname, given = passport_names(who)
    steps = foreign_steps()
    steps["face"] = {"mode": "face"}
    steps["applicant"] = {
        **steps["applicant"],
        "passport_surname": surname,
        "passport_given_names": given,
        "name_zh": who.name,
        "gender": who.gender,
        "birth_date": who.birth_date.isoformat(),
    }
    steps["degree"] = {**steps["degree"], "name_on_certificate": f"{given.title()} {surname}"}
    return steps


async def face_checked(
    http: httpx.AsyncClient, stack: Stack, applicant: Applicant, who: Person
) -> None:
    """The government app's face check, passed, with the border crossings of the study."""
    started = await http.post(
        f"{stack.identity.url}/api/v1/identity/face/sessions", headers=applicant.headers
    )
    assert started.status_code == 201, started.text
    app = DevFaceApp(stack.identity.url, secret=FACE_SECRET)
    scanned = app.scan(started.json()["qr_payload"])
    crossings = [
        {"direction": "exit", "date": "2021-09-01", "port": "Shanghai Pudong", "country": "GB"},
        {"direction": "entry", "date": "2023-09-05", "port": "Beijing Capital", "country": "GB"},
    ]
    callback = app.build(scanned, passed=True, id_number=who.id_number, records=crossings)
    assert (await app.send(callback)).status_code == 200


async def deliveries(stack: Stack, user_id: uuid.UUID, event_type: str) -> set[str]:
    """The channels a message of `event_type` reached the user on (sent)."""

    async def sent() -> set[str] | None:
        rows = await stack.notification_rows(
            "SELECT channel FROM deliveries WHERE user_id = :user AND event_type = :type "
            "AND status = 'sent'",
            user=user_id,
            type=event_type,
        )
        channels = {row.channel for row in rows}
        return channels if {"sms", "email"} <= channels else None

    return await wait_until(sent, timeout=30, message=f"{event_type} by SMS and e-mail")


async def inbox_has(http: httpx.AsyncClient, stack: Stack, applicant: Applicant, text: str) -> None:
    assert stack.notification is not None
    url = f"{stack.notification.url}/api/v1/notification/inbox"

    async def arrived() -> bool:
        response = await http.get(url, headers=applicant.headers)
        assert response.status_code == 200, response.text
        return any(text in item["title"] + item["body"] for item in response.json()["items"])

    await wait_until(arrived, timeout=30, message=f"inbox message with {text}")


def published_certificate(jwks: dict[str, Any]) -> x509.Certificate:
    for key in jwks["keys"]:
        if "x5c" in key:
            return x509.load_der_x509_certificate(base64.b64decode(key["x5c"][0]))
    raise AssertionError("no certificate in the published keys")


async def paid_and_queued(applicant: Applicant, application_id: str) -> dict[str, Any]:
    submitted = await applicant.submit(application_id)
    assert submitted.status_code == 200, submitted.text
    for order in submitted.json()["orders"]:
        await applicant.pay(order["order_id"])
    return await applicant.in_state(application_id, "submitted")


async def test_a_foreign_degree_from_registration_to_a_verified_certificate(
    http: httpx.AsyncClient, stack: Stack, tokens: Tokens, tap: IdentityTap, tmp_path: Path
) -> None:
    applicant, who = await registered(http, stack, tokens, tap)
    await face_checked(http, stack, applicant, who)

    # The steps, each saved on its own; the face step fetches the entry-exit records.
    draft = await applicant.open()
    filled = await applicant.fill(draft["id"], steps_of(who))
    assert filled["face_verified"] is True and len(filled["entry_exit_records"]) == 2
    assert not [f for f in filled["findings"] if f["severity"] == "blocking"], filled["findings"]
    # Face passed: the entry-exit pages are not asked for.
    assert "entry_exit_pages" not in await applicant.upload_required(draft["id"])

    queued = await paid_and_queued(applicant, draft["id"])
    assert queued["estimate"]["bottleneck"] == "waiting_for_review"

    # A reviewer claims it and asks for the transcript again.
    name = f"rev-{uuid.uuid4().hex[:6]}"
    reviewer = await reviewer_headers(tokens, name)
    review = f"{stack.url}/review/applications/{draft['id']}"
    claimed = await http.post(f"{review}/claim", headers=reviewer)
    assert claimed.status_code == 200, claimed.text
    materials = (await applicant.call("GET", f"/me/applications/{draft['id']}/materials")).json()
    [transcript] = next(s for s in materials["slots"] if s["name"] == "transcript")["materials"]
    requested = await http.post(
        f"{review}/supplements",
        json={
            "message": "The transcript is not legible",
            "items": [
                {
                    "mode": "reupload_file",
                    "slot": "transcript",
                    "material_id": transcript["id"],
                    "message": "Scan the transcript again, every page",
                }
            ],
        },
        headers=reviewer,
    )
    assert requested.status_code == 201, requested.text
    [item] = requested.json()["items"]
    await applicant.in_state(draft["id"], "returned")
    # Told by SMS, e-mail and in the app.
    assert await deliveries(stack, applicant.user_id, "certification.application.returned")
    await inbox_has(http, stack, applicant, queued["number"])

    # The applicant re-uploads the transcript and resubmits; the reviewer certifies.
    again = await applicant.upload(
        draft["id"],
        "transcript",
        pdf_bytes(2, text="transcript, rescanned"),
        material_id=transcript["id"],
        item_id=item["id"],
    )
    assert again.status_code == 201, again.text
    resubmitted = await applicant.call("POST", f"/me/applications/{draft['id']}/resubmit")
    assert resubmitted.status_code == 200, resubmitted.text
    assert resubmitted.json()["state"] == "resubmitted"
    assert (await http.post(f"{review}/claim", headers=reviewer)).status_code == 200
    certified = await http.post(f"{review}/certify", json={}, headers=reviewer)
    assert certified.status_code == 200, certified.text
    event = await stack.subscriber.wait_for(
        "certification.application.certified", application_id=draft["id"]
    )
    number = event["data"]["certificate_number"]
    assert await deliveries(stack, applicant.user_id, "certification.application.certified")
    await inbox_has(http, stack, applicant, number)

    # The certificate: its PDF carries the number and code and is signed by the key the
    # platform publishes.
    shown = await applicant.call("GET", f"/me/applications/{draft['id']}/certificate")
    assert shown.status_code == 200, shown.text
    code = shown.json()["code"]
    pdf = await applicant.call("GET", f"/me/applications/{draft['id']}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert number in text and code in text and who.name in text, text
    jwks = (await http.get(f"{stack.url}/issuer/jwks.json")).json()
    check = await async_check_pdf_signature(pdf.content, [published_certificate(jwks)])
    assert check.ok, check

    # Anyone with the code sees it valid on the public page, in a real browser.
    dom, requested_urls = render(
        f"{stack.url}/certificates/v/{code.replace('-', '')}?lang=en", tmp_path
    )
    assert 'data-state="valid"' in dom and number in dom
    assert all(url.startswith(stack.certification.url) for url in requested_urls)
    history = [h["to_state"] for h in (await applicant.get(draft["id"]))["history"]]
    assert history == [
        "awaiting_payment", "submitted", "in_review", "returned", "resubmitted", "in_review",
        "certified",
    ]  # fmt: skip


async def test_a_refusal_then_its_reconsideration(
    http: httpx.AsyncClient, stack: Stack, tokens: Tokens, tap: IdentityTap
) -> None:
    applicant, who = await registered(http, stack, tokens, tap)
    steps = steps_of(who)
    steps["face"] = {"mode": "skip"}  # the entry-exit pages are uploaded instead
    draft = await applicant.open()
    await applicant.fill(draft["id"], steps)
    assert "entry_exit_pages" in await applicant.upload_required(draft["id"])
    await paid_and_queued(applicant, draft["id"])

    reviewer = await reviewer_headers(tokens)
    review = f"{stack.url}/review/applications/{draft['id']}"
    assert (await http.post(f"{review}/claim", headers=reviewer)).status_code == 200
    reasons = (await http.get(f"{stack.url}/review/refusal-reasons", headers=reviewer)).json()
    refused = await http.post(
        f"{review}/refuse",
        json={"reasons": [reasons[0]["code"]], "comment": "The degree could not be verified"},
        headers=reviewer,
    )
    assert refused.status_code == 200, refused.text
    event = await stack.subscriber.wait_for(
        "certification.application.refused", application_id=draft["id"]
    )
    assert event["data"]["reasons"][-1] == "The degree could not be verified"
    assert await deliveries(stack, applicant.user_id, "certification.application.refused")
    letter = await applicant.call("GET", f"/me/applications/{draft['id']}/refusal-letter.pdf")
    assert letter.status_code == 200, letter.text
    assert "could not be verified" in PdfReader(io.BytesIO(letter.content)).pages[0].extract_text()

    # The reconsideration: its own application, linked, free, straight into the queue.
    reconsideration = await applicant.open("reconsideration", reconsideration_of=draft["id"])
    assert reconsideration["reconsideration_of"] == draft["id"]
    await applicant.fill(
        reconsideration["id"],
        {"grounds": {"statement": "The university confirms the degree.", "points": ["Letter"]}},
    )
    await applicant.upload_required(reconsideration["id"])
    submitted = await applicant.submit(reconsideration["id"])
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "submitted" and submitted.json()["orders"] == []
    second = await applicant.call(
        "POST", "/me/applications",
        json={"kind": "reconsideration", "reconsideration_of": draft["id"]},
    )  # fmt: skip
    assert second.status_code == 409 and second.json()["code"] == "not_reconsiderable"


async def test_a_domestic_certification_with_a_paper_report_by_courier(
    http: httpx.AsyncClient, stack: Stack, tokens: Tokens, tap: IdentityTap
) -> None:
    # Studied 1995-1999: born in the 1970s.
    applicant, who = await registered(http, stack, tokens, tap, born=(1975, 1977))
    draft = await applicant.open("domestic_qualification")
    await applicant.fill(
        draft["id"],
        {
            "purpose": {
                "purpose": "employment",
                "accepting_institution": "某某科技有限公司",
                "report_type": "paper_zh",
                "courier": {
                    "recipient": who.name,
                    "phone": "13800138000",
                    "address": "北京市海淀区中关村大街1号",
                    "postcode": "100080",
                },
            },
            "domestic_applicant": {
                "name_zh": who.name,
                "gender": who.gender,
                "birth_date": who.birth_date.isoformat(),
            },
            "qualification": {
                "institution_name": "北京大学",
                "level": "bachelor",
                "major": "计算机科学与技术",
                "study_start": "1995-09-01",
                "study_end": "1999-07-01",
                "graduated_on": "1999-07-01",
                "certificate_number": "100011199905001234",
                "name_on_certificate": who.name,
            },
        },
    )
    await applicant.upload_required(draft["id"])
    submitted = await applicant.submit(draft["id"])
    assert submitted.status_code == 200, submitted.text
    orders = submitted.json()["orders"]
    assert sorted(order["purpose"] for order in orders) == ["certification", "courier"]
    # One paid is not enough: it waits for the courier fee too.
    await applicant.pay(orders[0]["order_id"])
    assert (await applicant.get(draft["id"]))["state"] == "awaiting_payment"
    await applicant.pay(orders[1]["order_id"])
    await applicant.in_state(draft["id"], "submitted")

    reviewer = await reviewer_headers(tokens)
    review = f"{stack.url}/review/applications/{draft['id']}"
    assert (await http.post(f"{review}/claim", headers=reviewer)).status_code == 200
    assert (await http.post(f"{review}/certify", json={}, headers=reviewer)).status_code == 200
    url = f"/me/applications/{draft['id']}/certificate"
    certificate = (await applicant.call("GET", url)).json()
    assert certificate["e_report"] is True and certificate["paper_report"] == "paper_zh"
    assert certificate["dispatches"] == []
    dispatched = await http.post(
        f"{stack.url}/certificates/{certificate['id']}/dispatch",
        json={
            "courier_company": "顺丰速运",
            "tracking_number": "SF1234567890123",
            "dispatched_at": "2026-12-02T08:00:00+00:00",
        },
        headers=await operator_headers(tokens),
    )
    assert dispatched.status_code in (200, 201), dispatched.text
    shown = (await applicant.call("GET", url)).json()
    assert [d["tracking_number"] for d in shown["dispatches"]] == ["SF1234567890123"]
    e_report = await applicant.call("GET", f"/me/applications/{draft['id']}/certificate.pdf")
    assert e_report.status_code == 200 and e_report.content.startswith(b"%PDF")
