"""The applicant's side of the workflow against real identity, payment (with its provider
sandbox) and certification processes: a draft filled step by step, submitted, paid (by the
applicant or by a friend through payment's proxy link), withdrawn with a refund, and an
order that expires unpaid; with the refusals each wrong move gets."""

import uuid

import httpx
import pytest

from certification.testing import Applicant, Stack, foreign_steps
from educert_common.testing.tokens import Tokens

pytestmark = pytest.mark.e2e


async def _submitted_draft(applicant: Applicant) -> dict:
    draft = await applicant.open()
    await applicant.fill(draft["id"], foreign_steps())
    await applicant.upload_required(draft["id"])
    response = await applicant.submit(draft["id"])
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_draft_is_saved_step_by_step_in_order_and_revisited(applicant: Applicant) -> None:
    draft = await applicant.open()
    assert draft["state"] == "draft" and draft["number"].startswith("RZ")
    assert draft["next_step"] == "face" and draft["allowed_actions"] == ["submit", "withdraw"]
    # What is asked: the next step (supplement items are asked only of returned applications).
    assert draft["asked_of_you"] == [
        {"en": "Fill in step 'face'", "zh": "请填写步骤 face", "item_id": None, "mode": None,
         "slot": None, "message": None}
    ]  # fmt: skip

    # Skipping steps: the degree before the applicant's details is refused, naming what is missing.
    skipped = await applicant.save(draft["id"], "degree", foreign_steps()["degree"])
    assert skipped.status_code == 409, skipped.text
    assert skipped.json()["code"] == "step_out_of_order"
    assert "face" in skipped.json()["detail"]

    steps = foreign_steps()
    body = await applicant.fill(draft["id"], steps)
    assert body["saved_steps"] == ["face", "applicant", "type", "degree", "study"]
    assert body["next_step"] is None and body["country"] == "GB"

    # Revisit an earlier step: it is kept, the later ones stay.
    revisited = await applicant.save(
        draft["id"], "type", {"scope": "qualification", "study_mode": "on_site"}
    )
    assert revisited.status_code == 200, revisited.text
    assert revisited.json()["steps"]["type"]["scope"] == "qualification"
    assert revisited.json()["saved_steps"][-1] == "study"


async def test_bad_steps_are_refused_naming_the_field(applicant: Applicant) -> None:
    draft = await applicant.open()
    await applicant.fill(
        draft["id"], {k: v for k, v in foreign_steps().items() if k != "degree" and k != "study"}
    )
    degree = foreign_steps()["degree"]

    # A second degree in one application: the step takes exactly one.
    two = await applicant.save(draft["id"], "degree", {**degree, "degrees": [degree, degree]})
    assert two.status_code == 422, two.text
    assert any(error["field"] == "data.degrees" for error in two.json()["errors"])

    wrong_type = await applicant.save(draft["id"], "degree", {**degree, "awarded_on": "soon"})
    assert wrong_type.status_code == 422
    assert [e["field"] for e in wrong_type.json()["errors"]] == ["data.awarded_on"]

    # A Hong Kong degree belongs to its own kind.
    hong_kong = await applicant.save(draft["id"], "degree", {**degree, "country": "HK"})
    assert hong_kong.status_code == 422
    assert hong_kong.json()["errors"][0]["field"] == "data.country"

    unknown = await applicant.save(draft["id"], "payment", {})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "step"

    not_json = await applicant.call(
        "PUT",
        f"/me/applications/{draft['id']}/steps/type",
        content=b"\xff\xfe",
        headers={"Content-Type": "application/json"},
    )
    assert not_json.status_code == 422
    assert (await applicant.get(draft["id"]))["saved_steps"] == ["face", "applicant", "type"]


async def test_another_applicants_application_is_not_found(
    applicant: Applicant, http: httpx.AsyncClient, stack: Stack, tokens: Tokens
) -> None:
    from certification.testing import verified_applicant

    draft = await applicant.open()
    other = await verified_applicant(http, stack, tokens, real_name="李娜", gender="female")
    assert (await other.call("GET", f"/me/applications/{draft['id']}")).status_code == 404
    saved = await other.save(draft["id"], "face", {"mode": "skip"})
    assert saved.status_code == 404
    withdrawn = await other.call("POST", f"/me/applications/{draft['id']}/withdraw", json={})
    assert withdrawn.status_code == 404
    mine = await other.call("GET", "/me/applications")
    assert mine.json()["items"] == []
    assert (await applicant.get(draft["id"]))["state"] == "draft"


async def test_submit_checks_everything_together(applicant: Applicant) -> None:
    draft = await applicant.open()
    await applicant.fill(draft["id"], {"face": {"mode": "skip"}})
    refused = await applicant.submit(draft["id"])
    assert refused.status_code == 409, refused.text
    fields = {error["field"] for error in refused.json()["errors"]}
    assert {"steps.applicant", "steps.degree", "steps.study"} <= fields
    # The face check was skipped: the entry-exit pages are a required material too.
    assert {"materials.passport", "materials.entry_exit_pages"} <= fields
    no_declaration = await applicant.call(
        "POST", f"/me/applications/{draft['id']}/submit", json={"declaration_accepted": False}
    )
    assert no_declaration.status_code == 422
    assert no_declaration.json()["errors"][0]["field"] == "declaration_accepted"
    assert (await applicant.get(draft["id"]))["state"] == "draft"


async def test_submitted_then_paid_joins_the_queue_once(applicant: Applicant, stack: Stack) -> None:
    submitted = await _submitted_draft(applicant)
    assert submitted["state"] == "awaiting_payment"
    [order] = submitted["orders"]
    assert order["purpose"] == "certification" and order["amount_fen"] == 36000
    event = await stack.subscriber.wait_for(
        "certification.application.awaiting_payment", application_id=submitted["id"]
    )
    assert event["data"]["order_ids"] == [order["order_id"]]

    # Double submit: the state machine names where the application is.
    again = await applicant.submit(submitted["id"])
    assert again.status_code == 409 and again.json()["code"] == "transition_not_allowed"
    assert again.json()["errors"] == [
        {"field": "state", "code": "awaiting_payment", "message": again.json()["detail"]}
    ]

    # Steps cannot change once submitted.
    edit = await applicant.save(submitted["id"], "face", {"mode": "skip"})
    assert edit.status_code == 409 and edit.json()["code"] == "transition_not_allowed"

    await applicant.pay(order["order_id"])
    paid = await applicant.in_state(submitted["id"], "submitted")
    assert paid["orders"][0]["status"] == "paid"
    assert [h["to_state"] for h in paid["history"]] == ["awaiting_payment", "submitted"]
    assert paid["history"][1]["by"] == "payment"
    await stack.subscriber.wait_for(
        "certification.application.submitted", application_id=submitted["id"]
    )
    # Paying twice is impossible: payment refuses a second payment of a paid order.
    second = await applicant.http.post(
        f"{stack.payment_url}/orders/{order['order_id']}/payments",
        json={"channel": "wechat"},
        headers=applicant.headers,
    )
    assert second.status_code == 409
    assert (
        len(
            stack.subscriber.of(
                "certification.application.submitted", application_id=submitted["id"]
            )
        )
        == 1
    )


async def test_a_friend_pays_through_the_proxy_link(applicant: Applicant, stack: Stack) -> None:
    draft = await applicant.open()
    await applicant.fill(draft["id"], foreign_steps())
    await applicant.upload_required(draft["id"])
    submitted = (await applicant.submit(draft["id"], holder_name="张伟")).json()
    order_id = submitted["orders"][0]["order_id"]
    link = await applicant.http.post(
        f"{stack.payment_url}/orders/{order_id}/proxy-link", headers=applicant.headers
    )
    assert link.status_code == 200, link.text
    async with httpx.AsyncClient(timeout=10) as friend:  # no token
        view = await friend.get(link.json()["url"])
        assert view.status_code == 200 and view.json()["holder"] == "张*"
        started = await friend.post(link.json()["url"] + "/payments", json={"channel": "alipay"})
        assert started.status_code == 200, started.text
        paid = await friend.post(
            f"{stack.sandbox.url}/control/alipay/trades/{uuid.UUID(order_id).hex}/pay", json={}
        )
        assert paid.status_code == 200, paid.text
    await applicant.in_state(draft["id"], "submitted")


async def test_withdrawal_before_review_refunds_the_fee(applicant: Applicant, stack: Stack) -> None:
    submitted = await _submitted_draft(applicant)
    order_id = submitted["orders"][0]["order_id"]
    await applicant.pay(order_id)
    await applicant.in_state(submitted["id"], "submitted")
    response = await applicant.call(
        "POST", f"/me/applications/{submitted['id']}/withdraw", json={"reason": "Applied twice"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "withdrawn" and response.json()["allowed_actions"] == []
    refunded = await stack.subscriber.wait_for(
        "payment.order.refunded", order_id=order_id, timeout=30
    )
    assert refunded["data"]["amount_fen"] == 36000
    again = await applicant.call("POST", f"/me/applications/{submitted['id']}/withdraw", json={})
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "withdrawn"


async def test_an_order_that_expires_unpaid_is_replaced(applicant: Applicant, stack: Stack) -> None:
    submitted = await _submitted_draft(applicant)
    first = submitted["orders"][0]["order_id"]
    await stack.expire_order(first)
    await stack.subscriber.wait_for("payment.order.expired", order_id=first, timeout=30)

    async def expired() -> dict | None:
        application = await applicant.get(submitted["id"])
        return application if application["orders"][0]["status"] == "expired" else None

    from educert_common.testing.waiting import wait_until

    application = await wait_until(expired, timeout=20, message="order expired")
    assert application["state"] == "awaiting_payment"
    renewed = await applicant.call("POST", f"/me/applications/{submitted['id']}/orders")
    assert renewed.status_code == 200, renewed.text
    [fresh] = renewed.json()
    assert fresh["order_id"] != first and fresh["status"] == "created"
    again = await applicant.call("POST", f"/me/applications/{submitted['id']}/orders")
    assert [o["order_id"] for o in again.json()] == [fresh["order_id"]]
    await applicant.pay(fresh["order_id"])
    await applicant.in_state(submitted["id"], "submitted")


async def test_one_open_application_per_degree(applicant: Applicant) -> None:
    first = await applicant.open()
    await applicant.fill(first["id"], foreign_steps())
    second = await applicant.open()
    steps = foreign_steps()
    await applicant.fill(second["id"], {k: steps[k] for k in ("face", "applicant", "type")})
    same = await applicant.save(second["id"], "degree", steps["degree"])
    assert same.status_code == 409 and same.json()["code"] == "degree_already_applied"
    other = await applicant.save(
        second["id"], "degree", {**steps["degree"], "level": "bachelor", "awarded_on": "2020-07-01"}
    )
    assert other.status_code == 200, other.text


async def test_reconsideration_needs_a_decided_application(applicant: Applicant) -> None:
    draft = await applicant.open()
    refused = await applicant.call(
        "POST",
        "/me/applications",
        json={"kind": "reconsideration", "reconsideration_of": draft["id"]},
    )
    assert refused.status_code == 409 and refused.json()["code"] == "not_reconsiderable"
    missing = await applicant.call("POST", "/me/applications", json={"kind": "reconsideration"})
    assert (
        missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reconsideration_of"
    )


async def test_only_verified_accounts_apply(
    stack: Stack, http: httpx.AsyncClient, tokens: Tokens
) -> None:
    token = await tokens.mint(str(uuid.uuid4()), roles=("applicant",))
    response = await http.post(
        f"{stack.url}/me/applications",
        json={"kind": "foreign_degree"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 409 and response.json()["code"] == "realname_required"


async def test_an_order_paid_after_withdrawal_is_refunded(
    applicant: Applicant, stack: Stack
) -> None:
    submitted = await _submitted_draft(applicant)
    order_id = submitted["orders"][0]["order_id"]
    withdrawn = await applicant.call(
        "POST", f"/me/applications/{submitted['id']}/withdraw", json={"reason": "Changed my mind"}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    # A friend still pays the order (its proxy link was shared before the withdrawal).
    await applicant.pay(order_id)
    refunded = await stack.subscriber.wait_for(
        "payment.order.refunded", order_id=order_id, timeout=30
    )
    assert refunded["data"]["amount_fen"] == 36000
    assert (await applicant.get(submitted["id"]))["state"] == "withdrawn"
