"""Supplementary materials end to end against real identity, payment (with its sandbox) and
certification processes: a paid application in review is returned by the reviewer holding
its claim with three items (one per mode), the applicant answers each (two uploads, one
courier tracking number), seeing what is still asked of them, and resubmits, rejoining the
queue with a fresh SLA day and estimate; the events carry the request; the refusals on the
way (another reviewer, unanswered items, an upload nobody asked for, a bad tracking number,
a supplement after the decision).

Certification's clock starts on a Monday of 2026 (inside the holiday data whatever the real
date, as in test_estimate_shown) and is moved a week on before the resubmission."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from certification.estimates.calendar import add_working_days
from certification.estimates.service import local_date
from certification.testing import Applicant, Stack, foreign_steps, pdf_bytes, reviewer_headers
from educert_common.testing.clock import MovableClock
from educert_common.testing.tokens import Tokens

pytestmark = pytest.mark.e2e

# Monday 2 March 2026, 10:00 in Shanghai.
PINNED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
# Stands in for the certify route: the application is decided.
DECIDE = "UPDATE applications SET state = 'certified', decided_at = now() WHERE id = :id"


@pytest.fixture(scope="module")
def clock(tmp_path_factory: pytest.TempPathFactory) -> MovableClock:
    moved = MovableClock(tmp_path_factory.mktemp("clock") / "offset")
    moved.advance(seconds=(PINNED - datetime.now(UTC)).total_seconds())
    return moved


@pytest.fixture(scope="module")
def certification_env(clock: MovableClock) -> dict[str, str]:
    return {"CERTIFICATION_CLOCK_OFFSET_FILE": str(clock.path)}


async def _in_review(
    applicant: Applicant, stack: Stack, http: httpx.AsyncClient, reviewer: dict[str, str]
) -> dict[str, Any]:
    draft = await applicant.open()
    await applicant.fill(draft["id"], foreign_steps())
    await applicant.upload_required(draft["id"])
    submitted = await applicant.submit(draft["id"])
    assert submitted.status_code == 200, submitted.text
    await applicant.pay(submitted.json()["orders"][0]["order_id"])
    await applicant.in_state(draft["id"], "submitted")
    claimed = await http.post(
        f"{stack.url}/review/applications/{draft['id']}/claim", headers=reviewer
    )
    assert claimed.status_code == 200, claimed.text
    return await applicant.get(draft["id"])


async def _due_on(stack: Stack, application_id: str) -> date | None:
    [row] = await stack.rows("SELECT due_on FROM applications WHERE id = :id", id=application_id)
    return row.due_on  # type: ignore[no-any-return]


async def _materials(applicant: Applicant, application_id: str) -> dict[str, list[dict]]:
    response = await applicant.call("GET", f"/me/applications/{application_id}/materials")
    assert response.status_code == 200, response.text
    return {slot["name"]: slot["materials"] for slot in response.json()["slots"]}


async def test_return_answer_and_resubmit(
    applicant: Applicant, stack: Stack, http: httpx.AsyncClient, tokens: Tokens, clock: MovableClock
) -> None:
    name = f"rev-{uuid.uuid4().hex[:8]}"
    reviewer = await reviewer_headers(tokens, name)
    application = await _in_review(applicant, stack, http, reviewer)
    app_id = application["id"]
    first_day = local_date(clock.now())
    assert await _due_on(stack, app_id) == add_working_days(first_day, 10)
    certificate = (await _materials(applicant, app_id))["degree_certificate"][0]
    url = f"{stack.url}/review/applications/{app_id}/supplements"
    body: dict[str, Any] = {
        "message": "Please complete your file",
        "items": [
            {"mode": "add_file", "slot": "translation", "message": "Add the translation"},
            {
                "mode": "reupload_file",
                "slot": "degree_certificate",
                "material_id": certificate["id"],
                "message": "The scan is blurred: scan it again",
            },
            {"mode": "paper", "slot": "transcript", "message": "Send the sealed transcript"},
        ],
    }

    # Only the reviewer holding the claim returns it.
    other = await http.post(url, json=body, headers=await reviewer_headers(tokens))
    assert other.status_code == 409, other.text
    assert other.json()["code"] == "not_claimed_by_you"
    # Items are checked, each refusal naming its item and field.
    bad = await http.post(
        url,
        json={
            "items": [
                {"mode": "add_file", "slot": "diploma_scan", "message": "x"},
                {"mode": "reupload_file", "slot": "transcript", "message": "x"},
                {"mode": "paper", "slot": "passport", "material_id": certificate["id"],
                 "message": "x"},
            ]
        },
        headers=reviewer,
    )  # fmt: skip
    assert bad.status_code == 422, bad.text
    assert [(e["field"], e["code"]) for e in bad.json()["errors"]] == [
        ("items.0.slot", "unknown_slot"),
        ("items.1.material_id", "not_a_material_of_slot"),
        ("items.2.material_id", "not_allowed"),
    ]
    no_items = await http.post(url, json={"items": []}, headers=reviewer)
    assert no_items.status_code == 422 and no_items.json()["errors"][0]["field"] == "items"

    requested = await http.post(url, json=body, headers=reviewer)
    assert requested.status_code == 201, requested.text
    request = requested.json()
    assert request["open"] is True and request["requested_by"] == name
    items = request["items"]
    assert [(i["position"], i["mode"], i["slot"]) for i in items] == [
        (1, "add_file", "translation"),
        (2, "reupload_file", "degree_certificate"),
        (3, "paper", "transcript"),
    ]
    returned = await stack.subscriber.wait_for(
        "certification.application.returned", application_id=app_id
    )
    assert returned["data"]["request_id"] == request["id"]
    assert returned["data"]["previous_state"] == "in_review"
    assert returned["data"]["message"] == "Please complete your file"
    assert returned["data"]["items"] == [
        {"mode": i["mode"], "slot": i["slot"], "message": i["message"]} for i in body["items"]
    ]
    shown = await applicant.get(app_id)
    # Resubmitting is offered only once every item is answered; each item is asked, naming
    # the slot by its label, with the reviewer's message.
    assert shown["state"] == "returned" and shown["allowed_actions"] == []
    asked = shown["asked_of_you"]
    assert [(a["item_id"], a["mode"], a["slot"], a["message"]) for a in asked] == [
        (i["id"], i["mode"], i["slot"], i["message"]) for i in items
    ]
    assert asked[0]["en"] == (
        "Item 1: add a file to 'Translation of documents not in Chinese or English': "
        "Add the translation"
    )
    assert asked[0]["zh"] == "第 1 项：在“非中英文材料的翻译件”中补充文件：Add the translation"
    assert asked[1]["en"] == (
        "Item 2: upload 'Degree or diploma certificate' again: The scan is blurred: scan it again"
    )
    assert asked[1]["zh"] == "第 2 项：重新上传“学位/学历证书”：The scan is blurred: scan it again"
    assert asked[2]["en"].startswith("Item 3: send the original of '")
    assert "快递单号" in asked[2]["zh"] and asked[2]["zh"].endswith("Send the sealed transcript")

    # The applicant sees the request (not who made it).
    mine = await applicant.call("GET", f"/me/applications/{app_id}/supplements")
    assert mine.status_code == 200, mine.text
    assert mine.json()[0]["requested_by"] == "reviewer" and mine.json()[0]["open"] is True

    # Resubmitting before answering names every unanswered item.
    early = await applicant.call("POST", f"/me/applications/{app_id}/resubmit")
    assert early.status_code == 409, early.text
    assert early.json()["code"] == "supplements_unanswered"
    assert [e["field"] for e in early.json()["errors"]] == ["items.1", "items.2", "items.3"]
    # An upload nobody asked for.
    unasked = await applicant.upload(app_id, "other", pdf_bytes(1))
    assert unasked.status_code == 409, unasked.text
    assert unasked.json()["code"] == "no_open_supplement_item"
    assert unasked.json()["errors"][0]["field"] == "slot"

    # Item 1: a new file in the translation slot.
    translation = await applicant.upload(app_id, "translation", pdf_bytes(2), "translation.pdf")
    assert translation.status_code == 201, translation.text
    assert translation.json()["current"]["supplement_item_id"] == items[0]["id"]
    # The file added for item 1 may be replaced while the request is open (a new version).
    fixed = await applicant.upload(
        app_id, "translation", pdf_bytes(3), "translation-v2.pdf",
        material_id=translation.json()["id"], item_id=items[0]["id"],
    )  # fmt: skip
    assert fixed.status_code == 201, fixed.text
    assert [v["number"] for v in fixed.json()["versions"]] == [1, 2]
    # Item 2: the degree certificate again (the item is found from the slot).
    rescanned = await applicant.upload(app_id, "degree_certificate", pdf_bytes(1, text="sharp"))
    assert rescanned.status_code == 201, rescanned.text
    assert rescanned.json()["id"] == certificate["id"]
    versions = rescanned.json()["versions"]
    assert [(v["number"], v["supplement_item_id"]) for v in versions] == [
        (1, None),
        (2, items[1]["id"]),
    ]
    # Two items answered: only the paper one is still asked, resubmitting not yet offered.
    halfway = await applicant.get(app_id)
    assert [a["item_id"] for a in halfway["asked_of_you"]] == [items[2]["id"]]
    assert halfway["allowed_actions"] == []
    # Item 3: paper by courier, with a tracking number of the company's format.
    paper = f"/me/applications/{app_id}/supplements/items/{items[2]['id']}/paper"
    typo = await applicant.call(
        "PUT", paper, json={"courier_company": "sf", "tracking_number": "SF12345"}
    )
    assert typo.status_code == 422 and typo.json()["errors"][0]["field"] == "tracking_number"
    unknown = await applicant.call(
        "PUT", paper, json={"courier_company": "pigeon", "tracking_number": "1"}
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "courier_company"
    not_paper = await applicant.call(
        "PUT",
        f"/me/applications/{app_id}/supplements/items/{items[0]['id']}/paper",
        json={"courier_company": "sf", "tracking_number": "SF1234567890123"},
    )
    assert not_paper.status_code == 422 and not_paper.json()["errors"][0]["field"] == "item_id"
    sent = await applicant.call(
        "PUT", paper, json={"courier_company": "SF", "tracking_number": "sf 1234 5678 90123"}
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["answered"] is True
    assert (sent.json()["courier_company"], sent.json()["tracking_number"]) == (
        "sf",
        "SF1234567890123",
    )

    answered = await applicant.get(app_id)
    assert answered["allowed_actions"] == ["resubmit"]
    assert [(a["en"], a["zh"], a["item_id"]) for a in answered["asked_of_you"]] == [
        ("Resubmit the application", "请重新提交申请", None)
    ]

    # A week later it rejoins the queue: a fresh SLA day and estimate from the resubmission.
    clock.advance(days=7)
    again_day = local_date(clock.now())
    resubmitted = await applicant.call("POST", f"/me/applications/{app_id}/resubmit")
    assert resubmitted.status_code == 200, resubmitted.text
    assert resubmitted.json()["state"] == "resubmitted"
    assert resubmitted.json()["allowed_actions"] == [] and resubmitted.json()["asked_of_you"] == []
    due_on = await _due_on(stack, app_id)
    assert due_on == add_working_days(again_day, 10) and due_on > add_working_days(first_day, 10)
    estimate = resubmitted.json()["estimate"]
    assert estimate["bottleneck"] == "waiting_for_review"
    assert estimate["basis"]["from"] == again_day.isoformat()
    event = await stack.subscriber.wait_for(
        "certification.application.resubmitted", application_id=app_id
    )
    assert event["data"]["previous_state"] == "returned"
    assert event["data"]["user_id"] == str(applicant.user_id)
    assert event["data"]["estimated_completion"] == estimate["completion_date"]
    assert date.fromisoformat(estimate["completion_date"]) > again_day
    # Back in the reviewers' queue, on its new due day.
    queue = await http.get(
        f"{stack.url}/review/applications?country=GB&state=resubmitted", headers=reviewer
    )
    [row] = [item for item in queue.json()["items"] if item["id"] == app_id]
    assert row["due_on"] == due_on.isoformat() and row["sla_breached"] is False

    # The reviewer's detail shows each file's versions and the item each answered.
    detail = (await http.get(f"{stack.url}/review/applications/{app_id}", headers=reviewer)).json()
    assert detail["allowed_actions"] == ["claim"]
    slots = {slot["name"]: slot["materials"] for slot in detail["materials"]["slots"]}
    [degree] = slots["degree_certificate"]
    assert degree["id"] == certificate["id"] and degree["current"]["number"] == 2
    assert [(v["number"], v["supplement_item_id"]) for v in degree["versions"]] == [
        (1, None),
        (2, items[1]["id"]),
    ]
    [added] = slots["translation"]
    assert [(v["filename"], v["supplement_item_id"]) for v in added["versions"]] == [
        ("translation.pdf", items[0]["id"]),
        ("translation-v2.pdf", items[0]["id"]),
    ]
    assert [i["id"] for i in detail["supplements"][0]["items"]] == [i["id"] for i in items]

    # Reviewers see the request closed with every answer.
    seen = await http.get(url, headers=await reviewer_headers(tokens))
    assert seen.status_code == 200, seen.text
    closed = seen.json()[0]
    assert closed["open"] is False and closed["resubmitted_at"] is not None
    answers = {item["position"]: item for item in closed["items"]}
    assert all(item["answered"] for item in answers.values())
    assert [u["filename"] for u in answers[1]["uploads"]] == [
        "translation.pdf",
        "translation-v2.pdf",
    ]
    assert [u["number"] for u in answers[2]["uploads"]] == [2]
    assert answers[3]["tracking_number"] == "SF1234567890123"

    # The request is closed: no more answers.
    late = await applicant.upload(app_id, "translation", pdf_bytes(1))
    assert late.status_code == 409 and late.json()["errors"][0]["code"] == "resubmitted"
    again = await applicant.call("POST", f"/me/applications/{app_id}/resubmit")
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "resubmitted"


async def test_no_supplement_after_the_decision(
    applicant: Applicant, stack: Stack, http: httpx.AsyncClient, tokens: Tokens
) -> None:
    name = f"rev-{uuid.uuid4().hex[:8]}"
    application = await _in_review(applicant, stack, http, await reviewer_headers(tokens, name))
    await stack.execute(DECIDE, id=uuid.UUID(application["id"]))
    response = await http.post(
        f"{stack.url}/review/applications/{application['id']}/supplements",
        json={"items": [{"mode": "paper", "slot": "transcript", "message": "Send it"}]},
        headers=await reviewer_headers(tokens, name),
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "transition_not_allowed"
    assert response.json()["errors"][0] == {
        **response.json()["errors"][0],
        "field": "state",
        "code": "certified",
    }
    assert "certified" in response.json()["detail"]
    rows = await stack.rows(
        "SELECT count(*) FROM supplement_requests WHERE application_id = :id",
        id=uuid.UUID(application["id"]),
    )
    assert rows[0][0] == 0
    # Nor before submission: a draft is not in review.
    draft = await applicant.open()
    early = await http.post(
        f"{stack.url}/review/applications/{draft['id']}/supplements",
        json={"items": [{"mode": "paper", "slot": "transcript", "message": "Send it"}]},
        headers=await reviewer_headers(tokens, name),
    )
    assert early.status_code == 409 and early.json()["errors"][0]["code"] == "draft"
