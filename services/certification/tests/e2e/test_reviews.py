"""The reviewer workbench and decisions against real identity, payment (with its sandbox) and
certification processes: the queue and each of its filters, claims (two reviewers racing for
one application), notes, certify and refuse, the managed refusal reasons, and the refusals
each wrong caller or wrong state gets.

Queue rows are written straight into certification's database (a submitted application is
a row in a state; paying through the sandbox for each would only slow the tests); the
certify test takes one application through the applicant's real submission and payment.
Each test gives its rows a country code of its own, so its filters see only its rows."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from certification.testing import (
    Applicant,
    Stack,
    foreign_steps,
    operator_headers,
    reviewer_headers,
)
from educert_common.testing.tokens import Tokens

pytestmark = pytest.mark.e2e

BEIJING = timezone(timedelta(hours=8))
INSERT = """
INSERT INTO applications (id, number, user_id, kind, state, steps, findings, country,
    queued_at, due_on, claimed_by, claimed_at, submitted_at, created_at, updated_at)
VALUES (:id, :number, :user_id, :kind, :state, '{}', '[]', :country, :queued_at, :due_on,
    :claimed_by, :claimed_at, :queued_at, :created_at, :created_at)
"""


async def queued(
    stack: Stack,
    *,
    country: str,
    days_ago: float = 1,
    kind: str = "foreign_degree",
    state: str = "submitted",
    due_in_days: int | None = None,
    claimed_by: str | None = None,
) -> str:
    """An application row as the workflow leaves it in `state` (queued `days_ago`)."""
    now = datetime.now(UTC)
    queued_at = None if state in ("draft", "awaiting_payment") else now - timedelta(days=days_ago)
    today = now.astimezone(BEIJING).date()
    application_id = uuid.uuid4()
    await stack.execute(
        INSERT,
        id=application_id,
        number=f"RZT{application_id.hex[:14]}",
        user_id=uuid.uuid4(),
        kind=kind,
        state=state,
        country=country,
        queued_at=queued_at,
        due_on=None if due_in_days is None else today + timedelta(days=due_in_days),
        claimed_by=claimed_by,
        claimed_at=now if claimed_by else None,
        created_at=now - timedelta(days=days_ago + 1),
    )
    return str(application_id)


class Reviewer:
    def __init__(self, http: httpx.AsyncClient, stack: Stack, name: str, headers: dict) -> None:
        self.http, self.stack, self.name, self.headers = http, stack, name, headers

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.request(
            method, f"{self.stack.url}{path}", headers=self.headers, **kwargs
        )

    async def queue(self, query: str = "") -> list[str]:
        """Every page of the queue (small pages, to exercise the cursor): the ids in order."""
        ids: list[str] = []
        cursor = None
        while True:
            suffix = f"&cursor={cursor}" if cursor else ""
            response = await self.call("GET", f"/review/applications?limit=2&{query}{suffix}")
            assert response.status_code == 200, response.text
            ids += [item["id"] for item in response.json()["items"]]
            cursor = response.json()["next_cursor"]
            if cursor is None:
                return ids

    async def claim(self, application_id: str) -> httpx.Response:
        return await self.call("POST", f"/review/applications/{application_id}/claim")


async def reviewer(http: httpx.AsyncClient, stack: Stack, tokens: Tokens) -> Reviewer:
    name = f"rev-{uuid.uuid4().hex[:8]}"
    return Reviewer(http, stack, name, await reviewer_headers(tokens, name))


async def test_queue_filters_each(http: httpx.AsyncClient, stack: Stack, tokens: Tokens) -> None:
    me = await reviewer(http, stack, tokens)
    c = "QF"
    breached = await queued(stack, country=c, days_ago=40, due_in_days=-10)
    domestic = await queued(
        stack, country=c, days_ago=3, kind="domestic_qualification", state="resubmitted",
        due_in_days=20,
    )  # fmt: skip
    no_sla = await queued(stack, country=c, days_ago=1, kind="hmt_degree")
    mine = await queued(stack, country=c, days_ago=5, state="in_review", claimed_by=me.name)
    theirs = await queued(stack, country=c, days_ago=6, state="in_review", claimed_by="rev-x")
    unclaimed = await queued(stack, country=c, days_ago=7, state="in_review")
    returned = await queued(stack, country=c, days_ago=8, state="returned")
    await queued(stack, country=c, days_ago=9, state="certified")
    await queued(stack, country=c, state="draft")
    elsewhere = await queued(stack, country="QG", days_ago=50)

    # Default: waiting (submitted and resubmitted), oldest queued first, every page once.
    assert await me.queue(f"country={c}") == [breached, domestic, no_sla]
    assert await me.queue("country=QG") == [elsewhere]
    assert await me.queue(f"country={c}&kind=domestic_qualification") == [domestic]
    assert await me.queue(f"country={c}&older_than_days=30") == [breached]
    before = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    assert await me.queue(f"country={c}&queued_before={before.replace('+', '%2B')}") == [
        breached,
        domestic,
    ]
    # SLA: due before today in Asia/Shanghai; no due day is no SLA (never breached).
    assert await me.queue(f"country={c}&sla_breached=true") == [breached]
    assert await me.queue(f"country={c}&sla_breached=false") == [domestic, no_sla]
    # Who holds it: reviewers see the claimer.
    in_review = await me.queue(f"country={c}&state=in_review")
    assert in_review == [unclaimed, theirs, mine]
    assert await me.queue(f"country={c}&state=in_review&claimed=mine") == [mine]
    assert await me.queue(f"country={c}&state=in_review&claimed=unclaimed") == [unclaimed]
    assert await me.queue(f"country={c}&state=returned") == [returned]
    assert await me.queue(f"country={c}&state=returned&state=in_review") == [
        returned, unclaimed, theirs, mine,
    ]  # fmt: skip
    page = (await me.call("GET", f"/review/applications?country={c}&state=in_review")).json()
    held = {item["id"]: item for item in page["items"]}
    assert held[theirs]["claimed_by"] == "rev-x" and held[unclaimed]["claimed_by"] is None
    waiting = (await me.call("GET", f"/review/applications?country={c}")).json()["items"]
    assert [(i["sla_breached"], i["due_on"] is None) for i in waiting] == [
        (True, False), (False, False), (False, True),
    ]  # fmt: skip
    assert waiting[0]["days_queued"] == 40

    # Bad filters are refused naming the parameter.
    for query, field in (
        ("country=gb", "query.country"),
        ("state=draft", "query.state.0"),
        ("older_than_days=-1", "query.older_than_days"),
        ("claimed=someone", "query.claimed"),
        ("cursor=bm90LWEtY3Vyc29y", "query.cursor"),
    ):
        bad = await me.call("GET", f"/review/applications?{query}")
        assert bad.status_code == 422, (query, bad.text)
        assert bad.json()["errors"][0]["field"] == field, bad.text


async def test_pages_are_stable_while_applications_join(
    http: httpx.AsyncClient, stack: Stack, tokens: Tokens
) -> None:
    me = await reviewer(http, stack, tokens)
    first = [await queued(stack, country="QP", days_ago=10 - n) for n in range(3)]
    page = (await me.call("GET", "/review/applications?country=QP&limit=2")).json()
    assert [item["id"] for item in page["items"]] == first[:2]
    # Applications joining meanwhile (newer, and one older than the cursor) shift nothing.
    newer = await queued(stack, country="QP", days_ago=0.5)
    await queued(stack, country="QP", days_ago=20)
    rest = await me.call(
        "GET", f"/review/applications?country=QP&limit=2&cursor={page['next_cursor']}"
    )
    assert [item["id"] for item in rest.json()["items"]] == [first[2], newer]


async def test_two_reviewers_claim_at_once_and_one_wins(
    http: httpx.AsyncClient, stack: Stack, tokens: Tokens
) -> None:
    one, two = await reviewer(http, stack, tokens), await reviewer(http, stack, tokens)
    application_id = await queued(stack, country="QC")
    answers = await asyncio.gather(one.claim(application_id), two.claim(application_id))
    assert sorted(answer.status_code for answer in answers) == [200, 409], [a.text for a in answers]
    won = next(answer for answer in answers if answer.status_code == 200).json()
    lost = next(answer for answer in answers if answer.status_code == 409).json()
    winner, loser = (one, two) if won["claimed_by"] == one.name else (two, one)
    assert won["state"] == "in_review" and won["claimed_by"] == winner.name
    # The loser is told it is claimed, and (a reviewer) by whom.
    assert lost["code"] == "application_claimed"
    assert lost["errors"][0] == {
        "field": "claimed_by", "code": winner.name, "message": lost["detail"],
    }  # fmt: skip
    rows = await stack.rows(
        "SELECT to_state, actor FROM application_transitions WHERE application_id = :id",
        id=application_id,
    )
    assert [tuple(row) for row in rows] == [("in_review", winner.name)]
    await stack.subscriber.wait_for(
        "certification.application.in_review", application_id=application_id
    )

    # Claiming one's own again changes nothing; the loser cannot release it.
    assert (await winner.claim(application_id)).status_code == 200
    refused = await loser.call("POST", f"/review/applications/{application_id}/release")
    assert refused.status_code == 409 and refused.json()["code"] == "application_claimed"
    released = await winner.call("POST", f"/review/applications/{application_id}/release")
    assert released.status_code == 200, released.text
    assert released.json()["state"] == "in_review" and released.json()["claimed_by"] is None
    again = await winner.call("POST", f"/review/applications/{application_id}/release")
    assert again.status_code == 409 and again.json()["code"] == "application_not_claimed"
    # An in-review application nobody holds is simply taken (no second transition).
    taken = await loser.claim(application_id)
    assert taken.status_code == 200 and taken.json()["claimed_by"] == loser.name
    assert len(await stack.rows(
        "SELECT 1 FROM application_transitions WHERE application_id = :id", id=application_id
    )) == 1  # fmt: skip

    # An operator may release anyone's claim; the audit log says it was forced, and why.
    operator = await operator_headers(tokens)
    forced = await http.post(
        f"{stack.url}/review/applications/{application_id}/release",
        json={"reason": "reviewer on leave"},
        headers=operator,
    )
    assert forced.status_code == 200 and forced.json()["claimed_by"] is None, forced.text
    [entry] = await stack.rows(
        "SELECT before, after FROM audit_entries WHERE subject_id = :id "
        "AND action = 'application.claim_force_released'",
        id=application_id,
    )
    assert entry.before == {"claimed_by": loser.name}
    assert entry.after == {"claimed_by": None, "reason": "reviewer on leave"}


async def test_deciding_an_application_someone_else_holds_is_refused(
    http: httpx.AsyncClient, stack: Stack, tokens: Tokens
) -> None:
    holder, other = await reviewer(http, stack, tokens), await reviewer(http, stack, tokens)
    application_id = await queued(stack, country="QD")
    assert (await holder.claim(application_id)).status_code == 200
    certify = await other.call("POST", f"/review/applications/{application_id}/certify", json={})
    assert certify.status_code == 409 and certify.json()["code"] == "application_claimed"
    refuse = await other.call(
        "POST",
        f"/review/applications/{application_id}/refuse",
        json={"reasons": ["distance_learning"]},
    )
    assert refuse.status_code == 409 and refuse.json()["code"] == "application_claimed"
    # Unclaimed: it must be claimed first (by whoever decides).
    await holder.call("POST", f"/review/applications/{application_id}/release")
    unclaimed = await other.call("POST", f"/review/applications/{application_id}/certify", json={})
    assert unclaimed.status_code == 409 and unclaimed.json()["code"] == "claim_required"
    [row] = await stack.rows("SELECT state FROM applications WHERE id = :id", id=application_id)
    assert row.state == "in_review"
    certificates = await stack.rows(
        "SELECT 1 FROM certificates WHERE application_id = :id", id=application_id
    )
    assert certificates == []


async def test_an_applicant_cannot_use_reviewer_routes(applicant: Applicant, stack: Stack) -> None:
    application_id = await queued(stack, country="QA")
    for method, path, body in (
        ("GET", "/review/applications", None),
        ("GET", f"/review/applications/{application_id}", None),
        ("POST", f"/review/applications/{application_id}/claim", None),
        ("POST", f"/review/applications/{application_id}/release", None),
        ("GET", f"/review/applications/{application_id}/notes", None),
        ("POST", f"/review/applications/{application_id}/notes", {"body": "x"}),
        ("POST", f"/review/applications/{application_id}/certify", {}),
        ("POST", f"/review/applications/{application_id}/refuse", {"reasons": ["x"]}),
        ("GET", "/review/refusal-reasons", None),
        ("POST", "/review/refusal-reasons", {"code": "xx", "text_zh": "x", "text_en": "x"}),
    ):
        response = await applicant.call(method, path, json=body)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["code"] == "permission_denied"
    [row] = await stack.rows(
        "SELECT state, claimed_by FROM applications WHERE id = :id", id=application_id
    )
    assert (row.state, row.claimed_by) == ("submitted", None)


async def test_certify_issues_the_certificate_and_tells_its_number(
    applicant: Applicant, http: httpx.AsyncClient, stack: Stack, tokens: Tokens
) -> None:
    draft = await applicant.open()
    await applicant.fill(draft["id"], foreign_steps())
    uploaded = await applicant.upload_required(draft["id"])
    submitted = (await applicant.submit(draft["id"])).json()
    await applicant.pay(submitted["orders"][0]["order_id"])
    await applicant.in_state(draft["id"], "submitted")
    me = await reviewer(http, stack, tokens)
    assert draft["id"] in await me.queue("country=GB")
    assert (await me.claim(draft["id"])).status_code == 200
    note = await me.call(
        "POST", f"/review/applications/{draft['id']}/notes",
        json={"body": "Degree confirmed with the university registry"},
    )  # fmt: skip
    assert note.status_code == 201 and note.json()["author"] == me.name

    detail = (await me.call("GET", f"/review/applications/{draft['id']}")).json()
    assert detail["allowed_actions"] == ["release", "request_supplements", "certify", "refuse"]
    # The materials as the materials service shows them: each slot, its files, their versions.
    slots = {slot["name"]: slot for slot in detail["materials"]["slots"]}
    assert detail["materials"]["missing"] == [] and detail["supplements"] == []
    assert set(uploaded) <= set(slots) and "degree_certificate" in uploaded
    for name in uploaded:
        [material] = slots[name]["materials"]
        assert material["current"]["number"] == 1 and material["removed_at"] is None
        assert [v["id"] for v in material["versions"]] == [material["current"]["id"]]
        assert material["current"]["kind"] == "pdf"
        assert material["current"]["uploaded_by"] == "applicant"
        assert material["current"]["supplement_item_id"] is None
    assert slots["degree_certificate"]["label"]["en"] == "Degree or diploma certificate"
    assert detail["applicant"]["real_name"] == applicant.real_name
    assert detail["steps"]["degree"]["institution_name"] == "University of Edinburgh"
    assert [(h["to_state"], h["actor"]) for h in detail["history"]] == [
        ("awaiting_payment", str(applicant.user_id)),
        ("submitted", "payment"),
        ("in_review", me.name),
    ]
    assert detail["orders"][0]["status"] == "paid" and detail["findings"] == []
    assert [n["body"] for n in detail["notes"]] == [note.json()["body"]]

    certified = await me.call(
        "POST", f"/review/applications/{draft['id']}/certify", json={"comment": "All verified"}
    )
    assert certified.status_code == 200, certified.text
    body = certified.json()
    assert body["state"] == "certified" and body["certificate_number"].startswith("ZG")
    [certificate] = await stack.rows(
        "SELECT id, number, issued_by FROM certificates WHERE application_id = :id", id=draft["id"]
    )
    assert certificate.number == body["certificate_number"] and certificate.issued_by == me.name
    event = await stack.subscriber.wait_for(
        "certification.application.certified", application_id=draft["id"]
    )
    assert event["data"]["certificate_number"] == certificate.number
    assert event["data"]["certificate_id"] == str(certificate.id)

    # The applicant sees the result, never the notes nor who reviewed.
    mine = await applicant.call("GET", f"/me/applications/{draft['id']}")
    assert mine.json()["state"] == "certified"
    assert "registry" not in mine.text and me.name not in mine.text
    decided = (await me.call("GET", f"/review/applications/{draft['id']}")).json()
    assert decided["decision"]["certificate_number"] == certificate.number
    assert decided["allowed_actions"] == []
    # The decider stays its last holder: nothing to release once decided.
    late = await me.call("POST", f"/review/applications/{draft['id']}/release")
    assert late.status_code == 409 and late.json()["errors"][0]["code"] == "certified"


async def test_allowed_actions_follow_the_state_and_the_claim(
    http: httpx.AsyncClient, stack: Stack, tokens: Tokens
) -> None:
    me = await reviewer(http, stack, tokens)
    operator = await operator_headers(tokens)

    async def actions(application_id: str, headers: dict[str, str] | None = None) -> list[str]:
        response = await http.get(
            f"{stack.url}/review/applications/{application_id}", headers=headers or me.headers
        )
        assert response.status_code == 200, response.text
        return list(response.json()["allowed_actions"])

    waiting = await queued(stack, country="QX")
    resubmitted = await queued(stack, country="QX", state="resubmitted")
    mine = await queued(stack, country="QX", state="in_review", claimed_by=me.name)
    theirs = await queued(stack, country="QX", state="in_review", claimed_by="rev-other")
    unheld = await queued(stack, country="QX", state="in_review")
    returned = await queued(stack, country="QX", state="returned")
    certified = await queued(stack, country="QX", state="certified", claimed_by=me.name)

    assert await actions(waiting) == ["claim"]
    assert await actions(resubmitted) == ["claim"]
    assert await actions(unheld) == ["claim"]
    # Only the holder decides or asks for supplements; they may also give it back.
    assert await actions(mine) == ["release", "request_supplements", "certify", "refuse"]
    assert await actions(theirs) == []
    # An operator may release anyone's claim, and decides nothing it does not hold.
    assert await actions(theirs, operator) == ["release"]
    assert await actions(mine, operator) == ["release"]
    # With the applicant, or decided: nothing to do.
    assert await actions(returned) == []
    assert await actions(certified) == []

    # What the list promises works: the holder's supplement request is taken ...
    asked = await me.call(
        "POST", f"/review/applications/{mine}/supplements",
        json={"items": [{"mode": "paper", "slot": "transcript", "message": "Send it"}]},
    )  # fmt: skip
    assert asked.status_code == 201, asked.text
    assert await actions(mine) == []
    # ... and what it withholds is refused: another's application is not released by me.
    refused = await me.call("POST", f"/review/applications/{theirs}/release")
    assert refused.status_code == 409 and refused.json()["code"] == "application_claimed"


async def test_refuse_with_managed_reasons_and_free_text(
    http: httpx.AsyncClient, stack: Stack, tokens: Tokens
) -> None:
    me = await reviewer(http, stack, tokens)
    application_id = await queued(stack, country="QR", state="in_review", claimed_by=me.name)
    path = f"/review/applications/{application_id}/refuse"
    unknown = await me.call("POST", path, json={"reasons": ["distance_learning", "bad_luck"]})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "reasons.1"
    empty = await me.call("POST", path, json={"reasons": []})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "reasons"

    refused = await me.call(
        "POST", path,
        json={
            "reasons": ["distance_learning", "documents_not_authentic"],
            "comment": "Transcript lists online modules only",
        },
    )  # fmt: skip
    assert refused.status_code == 200, refused.text
    assert refused.json()["state"] == "refused"
    assert [r["code"] for r in refused.json()["reasons"]] == [
        "distance_learning", "documents_not_authentic",
    ]  # fmt: skip
    event = await stack.subscriber.wait_for(
        "certification.application.refused", application_id=application_id
    )
    reasons = event["data"]["reasons"]
    assert len(reasons) == 3 and reasons[-1] == "Transcript lists online modules only"
    assert "distance learning" in reasons[0] and "远程教育" in reasons[0]
    [decision] = await stack.rows(
        "SELECT outcome, reasons, comment, decided_by FROM application_decisions "
        "WHERE application_id = :id",
        id=application_id,
    )
    assert decision.outcome == "refused" and decision.decided_by == me.name
    assert [r["code"] for r in decision.reasons] == ["distance_learning", "documents_not_authentic"]
    assert decision.comment == "Transcript lists online modules only"


async def test_refusal_reasons_are_kept_by_operators_only(
    http: httpx.AsyncClient, stack: Stack, tokens: Tokens
) -> None:
    me = await reviewer(http, stack, tokens)
    operator = await operator_headers(tokens)
    url = f"{stack.url}/review/refusal-reasons"
    listed = (await me.call("GET", "/review/refusal-reasons")).json()
    assert {"degree_not_recognised", "institution_not_accredited", "distance_learning",
            "documents_not_authentic", "study_period_not_verified",
            "insufficient_materials"} <= {r["code"] for r in listed}  # fmt: skip

    reason = {"code": "fake_institution", "text_zh": "虚假大学", "text_en": "A degree mill"}
    by_reviewer = await me.call("POST", "/review/refusal-reasons", json=reason)
    assert by_reviewer.status_code == 403
    created = await http.post(url, json=reason, headers=operator)
    assert created.status_code == 201 and created.json()["active"] is True, created.text
    twice = await http.post(url, json=reason, headers=operator)
    assert twice.status_code == 409 and twice.json()["code"] == "refusal_reason_exists"
    bad = await http.post(url, json={**reason, "code": "Bad Code"}, headers=operator)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "code"

    patched = await me.call("PATCH", "/review/refusal-reasons/fake_institution", json={})
    assert patched.status_code == 403
    off = await http.patch(f"{url}/fake_institution", json={"active": False}, headers=operator)
    assert off.status_code == 200 and off.json()["active"] is False
    active = [r["code"] for r in (await me.call("GET", "/review/refusal-reasons")).json()]
    assert "fake_institution" not in active
    everything = await me.call("GET", "/review/refusal-reasons?include_inactive=true")
    assert "fake_institution" in [r["code"] for r in everything.json()]
    # An inactive reason cannot be chosen.
    application_id = await queued(stack, country="QO", state="in_review", claimed_by=me.name)
    chosen = await me.call(
        "POST", f"/review/applications/{application_id}/refuse",
        json={"reasons": ["fake_institution"]},
    )  # fmt: skip
    assert chosen.status_code == 422 and chosen.json()["errors"][0]["field"] == "reasons.0"

    assert (await me.call("DELETE", "/review/refusal-reasons/fake_institution")).status_code == 403
    removed = await http.delete(f"{url}/fake_institution", headers=operator)
    assert removed.status_code == 204
    gone = await http.patch(f"{url}/fake_institution", json={"active": True}, headers=operator)
    assert gone.status_code == 404


async def test_a_move_the_state_machine_does_not_have_names_the_state(
    http: httpx.AsyncClient, stack: Stack, tokens: Tokens
) -> None:
    me = await reviewer(http, stack, tokens)
    certified = await queued(stack, country="QS", state="certified", claimed_by=me.name)
    claim = await me.claim(certified)
    assert claim.status_code == 409 and claim.json()["code"] == "transition_not_allowed"
    assert claim.json()["errors"][0]["code"] == "certified"
    refuse = await me.call(
        "POST", f"/review/applications/{certified}/refuse", json={"reasons": ["distance_learning"]}
    )
    assert refuse.status_code == 409 and refuse.json()["errors"][0]["code"] == "certified"
    # Deciding straight from the queue, without the claim that moves it into review.
    waiting = await queued(stack, country="QS")
    certify = await me.call("POST", f"/review/applications/{waiting}/certify", json={})
    assert certify.status_code == 409 and certify.json()["code"] == "transition_not_allowed"
    assert certify.json()["errors"][0]["code"] == "submitted"
    # Drafts are the applicant's own: not found for reviewers.
    draft = await queued(stack, country="QS", state="draft")
    assert (await me.claim(draft)).status_code == 404
    assert (await me.call("GET", f"/review/applications/{draft}")).status_code == 404
