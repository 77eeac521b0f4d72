"""Orders: amounts from the fee table, idempotent creation under concurrency, ownership,
bad input, the operator-managed fee table, the internal API."""

import asyncio
import uuid
from typing import Any

import pytest

from educert_common.settings import PlatformSettings

pytestmark = pytest.mark.e2e


async def test_concurrent_creates_with_one_key_make_one_order(client: Any) -> None:
    _, auth = await client.user()
    body = {"purpose": "photo_check", "reference_id": uuid.uuid4().hex}
    headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
    responses = await asyncio.gather(
        *(
            client.http.post(f"{client.stack.url}/orders", json=body, headers=headers)
            for _ in range(12)
        )
    )
    assert {r.status_code for r in responses} == {201}
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 1
    order = responses[0].json()
    assert order["amount_fen"] == 200 and order["purpose"] == "photo_check"
    async with client.stack.database.transaction() as session:
        from sqlalchemy import text

        created = await session.scalar(
            text(
                "SELECT count(*) FROM outbox_events WHERE event_type = 'payment.order.created'"
                " AND payload->'data'->>'order_id' = :id"
            ),
            {"id": order["id"]},
        )
    assert created == 1

    reused = await client.http.post(
        f"{client.stack.url}/orders",
        json={**body, "reference_id": "other"},
        headers=headers,
    )
    assert reused.status_code == 422
    assert reused.json()["errors"][0]["field"] == "header.idempotency-key"


async def test_concurrent_creates_without_key_share_the_open_order(client: Any) -> None:
    _, auth = await client.user()
    body = {"purpose": "certification", "reference_id": uuid.uuid4().hex}
    responses = await asyncio.gather(
        *(client.http.post(f"{client.stack.url}/orders", json=body, headers=auth) for _ in range(8))
    )
    assert sorted(r.status_code for r in responses).count(201) == 1
    assert {r.status_code for r in responses} <= {200, 201}
    assert len({r.json()["id"] for r in responses}) == 1


async def test_paid_reference_cannot_be_ordered_again(client: Any) -> None:
    auth, order = await client.paid_order("wechat")
    again = await client.http.post(
        f"{client.stack.url}/orders",
        json={"purpose": "certification", "reference_id": order["reference_id"]},
        headers=auth,
    )
    assert again.status_code == 409 and again.json()["code"] == "order_already_paid"


async def test_another_users_order_is_invisible(client: Any) -> None:
    owner_id, owner = await client.user()
    _, stranger = await client.user()
    order = await client.create_order(owner)
    url = f"{client.stack.url}/orders/{order['id']}"
    for method, path, body in [
        ("GET", "", None),
        ("POST", "/payments", {"channel": "wechat"}),
        ("POST", "/proxy-link", None),
        ("GET", "/refunds", None),
        ("GET", "/receipt.pdf", None),
    ]:
        response = await client.http.request(method, url + path, json=body, headers=stranger)
        assert response.status_code == 404, (path, response.text)
    listed = (await client.http.get(f"{client.stack.url}/orders", headers=stranger)).json()
    assert order["id"] not in {o["id"] for o in listed["items"]}
    mine = (await client.http.get(f"{client.stack.url}/orders", headers=owner)).json()
    assert [o["id"] for o in mine["items"]] == [order["id"]]
    _, operator = await client.user(roles=("operator",))
    seen = await client.http.get(url, headers=operator)
    assert seen.status_code == 200 and seen.json()["user_id"] == owner_id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "certification"}, "reference_id"),
        ({"purpose": "donation", "reference_id": "a"}, "purpose"),
        ({"purpose": "certification", "reference_id": "a" * 101}, "reference_id"),
        ({"purpose": "certification", "reference_id": "a b<script>"}, "reference_id"),
        ({"purpose": "certification", "reference_id": "a", "amount_fen": 1}, "amount_fen"),
        ({"purpose": 5, "reference_id": "a"}, "purpose"),
    ],
)
async def test_bad_order_input_names_the_field(
    client: Any, body: dict[str, Any], field: str
) -> None:
    _, auth = await client.user()
    response = await client.http.post(f"{client.stack.url}/orders", json=body, headers=auth)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in {e["field"] for e in response.json()["errors"]}


async def test_bad_paths_and_channels(client: Any) -> None:
    _, auth = await client.user()
    assert (
        await client.http.get(f"{client.stack.url}/orders/not-a-uuid", headers=auth)
    ).status_code == 422
    order = await client.create_order(auth)
    response = await client.http.post(
        f"{client.stack.url}/orders/{order['id']}/payments",
        json={"channel": "unionpay"},
        headers=auth,
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "channel"
    assert (await client.http.get(f"{client.stack.url}/orders")).status_code == 401


async def test_operators_manage_fees(client: Any) -> None:
    _, applicant = await client.user()
    _, operator = await client.user(roles=("operator",))
    fees = {
        f["purpose"]: f["amount_fen"]
        for f in (await client.http.get(f"{client.stack.url}/fees")).json()
    }
    assert fees["certification"] == 36000 and fees["photo_check"] == 200
    denied = await client.http.put(
        f"{client.stack.url}/fees/report", json={"amount_fen": 1}, headers=applicant
    )
    assert denied.status_code == 403
    bad = await client.http.put(
        f"{client.stack.url}/fees/report", json={"amount_fen": "12"}, headers=operator
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "amount_fen"
    updated = await client.http.put(
        f"{client.stack.url}/fees/report", json={"amount_fen": 4500}, headers=operator
    )
    assert updated.status_code == 200 and updated.json()["amount_fen"] == 4500
    order = await client.create_order(applicant, "report")
    assert order["amount_fen"] == 4500
    async with client.stack.database.transaction() as session:
        from sqlalchemy import text

        audited = await session.scalar(
            text(
                "SELECT count(*) FROM audit_entries"
                " WHERE action = 'fee.updated' AND subject_id = 'report'"
            )
        )
    assert audited >= 1


async def test_internal_api(client: Any) -> None:
    url = client.stack.payment.url + "/internal/orders"
    body = {
        "user_id": str(uuid.uuid4()),
        "purpose": "courier",
        "reference_id": "app-1",
        "holder_name": "李四",
    }
    assert (await client.http.post(url, json=body)).status_code == 404
    token = {"X-Internal-Token": PlatformSettings().internal_token}
    missing_key = await client.http.post(url, json=body, headers=token)
    assert missing_key.status_code == 422
    headers = {**token, "Idempotency-Key": "certification:app-1"}
    first = await client.http.post(url, json=body, headers=headers)
    again = await client.http.post(url, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.json()["amount_fen"] == 2200
    # The gateway never forwards /internal; the public prefix has no such route.
    assert (
        await client.http.post(client.stack.url + "/internal/orders", json=body, headers=headers)
    ).status_code == 404
