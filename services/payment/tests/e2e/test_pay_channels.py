"""Paying through each channel, end to end: payment -> sandbox -> callback -> paid event."""

import uuid
from typing import Any

import pytest

from educert_common.testing.waiting import wait_until

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
async def test_pay_by_channel_emits_paid_once(client: Any, channel: str) -> None:
    _, auth = await client.user()
    order = await client.create_order(auth, "certification")
    assert order["amount_fen"] == 36000 and order["status"] == "created"
    started = await client.start(auth, order["id"], channel)
    assert started["code_url"].startswith(client.stack.sandbox.url + f"/pay/{channel}/")
    page = await client.http.get(started["code_url"])
    assert page.status_code == 200 and "360.00" in page.text and "<svg" in page.text

    no = uuid.UUID(order["id"]).hex
    result = await client.sandbox(f"/{channel}/trades/{no}/pay", times=3)
    assert len(result["statuses"]) == 3 and all(s in (200, 204) for s in result["statuses"])
    paid = await client.wait_status(auth, order["id"], "paid")
    assert paid["paid_channel"] == channel and paid["receipt_code"]

    subscriber = client.stack.subscriber

    async def published() -> bool:
        return bool(subscriber.of("payment.order.paid", order_id=order["id"]))

    await wait_until(published, message="paid event")
    events = subscriber.of("payment.order.paid", order_id=order["id"])
    assert len({e["id"] for e in events}) == 1
    assert events[0]["data"]["amount_fen"] == 36000 and events[0]["data"]["channel"] == channel
    assert subscriber.of("payment.order.created", order_id=order["id"])
