"""Callbacks: duplicate, late, reordered, forged, stale, unknown, wrong amount, too large;
active query when no callback comes; an expired order paid late is refunded."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from educert_common.testing.waiting import wait_until
from payment.config import PaymentSettings
from payment.providers.registry import build_providers

pytestmark = pytest.mark.e2e


async def _started(client: Any, channel: str) -> tuple[dict[str, str], dict[str, Any], str]:
    _, auth = await client.user()
    order = await client.create_order(auth)
    await client.start(auth, order["id"], channel)
    return auth, order, uuid.UUID(order["id"]).hex


async def _notifications(client: Any, no: str) -> list[str]:
    async with client.stack.database.transaction() as session:
        from sqlalchemy import text

        rows = await session.execute(
            text("SELECT outcome FROM provider_notifications WHERE out_trade_no = :no"), {"no": no}
        )
        return [row.outcome for row in rows]


async def test_late_callback_is_applied(client: Any) -> None:
    auth, order, no = await _started(client, "wechat")
    result = await client.sandbox(f"/wechat/trades/{no}/pay", delay_ms=400)
    assert result["scheduled"] is True
    assert (await client.order(auth, order["id"]))["status"] == "created"
    await client.wait_status(auth, order["id"], "paid")


async def test_reordered_alipay_notifications_pay_once(client: Any) -> None:
    auth, order, no = await _started(client, "alipay")
    await client.sandbox(f"/alipay/trades/{no}/pay", notify=False)
    result = await client.sandbox(
        f"/alipay/trades/{no}/notify",
        statuses=["TRADE_CLOSED", "TRADE_FINISHED", "TRADE_SUCCESS", "WAIT_BUYER_PAY"],
        times=2,
    )
    assert result["statuses"] == [200] * 8
    await client.wait_status(auth, order["id"], "paid")
    outcomes = await _notifications(client, no)
    assert outcomes.count("paid") == 1
    assert outcomes.count("duplicate") == 3 and outcomes.count("ignored") == 4

    async def one_paid_event() -> bool:
        return len(client.stack.subscriber.of("payment.order.paid", order_id=order["id"])) == 1

    await wait_until(one_paid_event, message="one paid event")


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
@pytest.mark.parametrize("trick", ["forge", "stale"])
async def test_forged_or_stale_callback_changes_nothing(
    client: Any, channel: str, trick: str
) -> None:
    auth, order, no = await _started(client, channel)
    await client.sandbox(f"/{channel}/trades/{no}/pay", notify=False)
    result = await client.sandbox(f"/{channel}/trades/{no}/notify", **{trick: True})
    assert result["statuses"] == [401]
    assert (await client.order(auth, order["id"]))["status"] == "created"
    assert await _notifications(client, no) == []
    assert not client.stack.subscriber.of("payment.order.paid", order_id=order["id"])


async def test_tampered_and_unsigned_bodies_are_refused(client: Any) -> None:
    url = client.stack.url + "/callbacks"
    wechat = await client.http.post(
        f"{url}/wechat/transactions",
        content=b'{"event_type":"TRANSACTION.SUCCESS"}',
        headers={
            "Wechatpay-Serial": "PUB_KEY_ID_X",
            "Wechatpay-Timestamp": str(int(datetime.now(UTC).timestamp())),
            "Wechatpay-Nonce": "n",
            "Wechatpay-Signature": "AAAA",
        },
    )
    assert wechat.status_code == 401 and wechat.json()["code"] == "FAIL"
    alipay = await client.http.post(
        f"{url}/alipay", data={"out_trade_no": "x", "trade_status": "TRADE_SUCCESS", "sign": "x"}
    )
    assert alipay.status_code == 401 and alipay.text == "fail"
    huge = await client.http.post(f"{url}/alipay", content=b"a=" + b"x" * 20000)
    assert huge.status_code == 413


async def test_wrong_amount_is_refused(client: Any) -> None:
    auth, order, no = await _started(client, "wechat")
    result = await client.sandbox(f"/wechat/trades/{no}/pay", amount_fen=1)
    assert result["statuses"] == [400]
    assert (await client.order(auth, order["id"]))["status"] == "created"
    assert await _notifications(client, no) == ["amount_mismatch"]


async def test_unknown_order_is_refused(client: Any, stack: Any) -> None:
    settings = PaymentSettings(
        dev_key_dir=stack.env["PAYMENT_DEV_KEY_DIR"],
        sandbox_url=stack.env["PAYMENT_SANDBOX_URL"],
        callback_base_url=stack.env["PAYMENT_CALLBACK_BASE_URL"],
    )
    providers = build_providers(settings)
    try:
        for channel in ("wechat", "alipay"):
            no = uuid.uuid4().hex
            await providers.get(channel).start_payment(
                out_trade_no=no,
                amount_fen=36000,
                description="not an order of ours",
                expires_at=datetime.now(UTC) + timedelta(minutes=5),
            )
            result = await client.sandbox(f"/{channel}/trades/{no}/pay")
            assert result["statuses"] == [400]
            assert await _notifications(client, no) == ["unknown_order"]
    finally:
        await providers.aclose()


async def test_active_query_finds_payment_without_callback(client: Any) -> None:
    auth, order, no = await _started(client, "alipay")
    await client.sandbox(f"/alipay/trades/{no}/pay", notify=False)
    paid = await client.wait_status(auth, order["id"], "paid", timeout=20)
    assert paid["paid_channel"] == "alipay"
    assert await _notifications(client, no) == []  # no callback: the query found it


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
async def test_expired_order_paid_late_is_refunded(client: Any, channel: str) -> None:
    auth, order, no = await _started(client, channel)
    await client.stack.execute(
        "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = :id",
        id=order["id"],
    )
    await client.wait_status(auth, order["id"], "expired")
    trade = (
        await client.http.get(f"{client.stack.sandbox.url}/control/{channel}/trades/{no}")
    ).json()
    assert trade["status"] in ("CLOSED", "TRADE_CLOSED")

    # The payer completed the payment as the trade was being closed.
    result = await client.sandbox(f"/{channel}/trades/{no}/pay", force=True)
    assert result["statuses"][0] in (200, 204)
    assert (await client.order(auth, order["id"]))["status"] == "expired"

    async def refunded() -> list[Any] | None:
        response = await client.http.get(
            f"{client.stack.url}/orders/{order['id']}/refunds", headers=auth
        )
        refunds = response.json()
        return refunds if refunds and refunds[0]["status"] == "succeeded" else None

    refunds = await wait_until(refunded, timeout=15, message="late payment refunded")
    assert refunds[0]["kind"] == "late_payment" and refunds[0]["amount_fen"] == 36000
    subscriber = client.stack.subscriber

    async def refunded_event() -> bool:
        return bool(subscriber.of("payment.order.refunded", order_id=order["id"]))

    await wait_until(refunded_event, message="refunded event")
    assert subscriber.of("payment.order.expired", order_id=order["id"])
    assert not subscriber.of("payment.order.paid", order_id=order["id"])
