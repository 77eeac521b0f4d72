"""Refunds: partial and full, never more than paid, idempotent, provider callbacks (also before
the API's answer), operators only, and the refund on a withdrawn application."""

import uuid
from typing import Any

import aio_pika
import pytest

from educert_common.events.catalogue import ApplicationWithdrawn
from educert_common.events.envelope import EventEnvelope
from educert_common.settings import PlatformSettings
from educert_common.testing.waiting import wait_until

pytestmark = pytest.mark.e2e


async def _refund(client: Any, auth: dict[str, str], order_id: str, key: str, **body: Any) -> Any:
    return await client.http.post(
        f"{client.stack.url}/orders/{order_id}/refunds",
        json={"reason": "operator decision", **body},
        headers={**auth, "Idempotency-Key": key},
    )


async def _wait_refunds(client: Any, auth: dict[str, str], order_id: str, count: int) -> list[Any]:
    async def done() -> list[Any] | None:
        refunds = (
            await client.http.get(f"{client.stack.url}/orders/{order_id}/refunds", headers=auth)
        ).json()
        finished = [r for r in refunds if r["status"] in ("succeeded", "failed")]
        return refunds if len(finished) >= count else None

    return await wait_until(done, timeout=15, message=f"{count} refunds done")


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
async def test_partial_then_full_refund(client: Any, channel: str) -> None:
    owner, order = await client.paid_order(channel)
    _, operator = await client.user(roles=("operator",))
    denied = await _refund(client, owner, order["id"], "k0", amount_fen=100)
    assert denied.status_code == 403

    first = await _refund(client, operator, order["id"], "k1", amount_fen=10000)
    assert first.status_code == 202 and first.json()["amount_fen"] == 10000
    replay = await _refund(client, operator, order["id"], "k1", amount_fen=10000)
    assert replay.json()["id"] == first.json()["id"]
    too_much = await _refund(client, operator, order["id"], "k2", amount_fen=26001)
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "amount_fen"
    rest = await _refund(client, operator, order["id"], "k3")
    assert rest.status_code == 202 and rest.json()["amount_fen"] == 26000
    nothing = await _refund(client, operator, order["id"], "k4")
    assert nothing.status_code == 409 and nothing.json()["code"] == "nothing_to_refund"

    refunds = await _wait_refunds(client, owner, order["id"], 2)
    assert [r["status"] for r in refunds] == ["succeeded", "succeeded"]
    assert (await client.order(owner, order["id"]))["refunded_fen"] == 36000
    trade = (
        await client.http.get(
            f"{client.stack.sandbox.url}/control/{channel}/trades/{uuid.UUID(order['id']).hex}"
        )
    ).json()
    assert sum(r["amount_fen"] for r in trade["refunds"]) == 36000

    async def refunded_events() -> list[Any] | None:
        events = client.stack.subscriber.of("payment.order.refunded", order["id"])
        return events if len(events) >= 2 else None

    events = await wait_until(refunded_events, message="two refunded events")
    assert sorted(e["data"]["refunded_total_fen"] for e in events) == [10000, 36000]


@pytest.mark.parametrize("mode", ["before", "never"])
async def test_wechat_refund_result_out_of_order_or_only_by_query(client: Any, mode: str) -> None:
    owner, order = await client.paid_order("wechat")
    _, operator = await client.user(roles=("operator",))
    await client.sandbox("/modes", wechat_refund_notify=mode)
    try:
        response = await _refund(client, operator, order["id"], "r1")
        assert response.status_code == 202
        refunds = await _wait_refunds(client, owner, order["id"], 1)
    finally:
        await client.sandbox("/modes", wechat_refund_notify="after")
    assert refunds[0]["status"] == "succeeded"

    async def one_event() -> bool:
        return len(client.stack.subscriber.of("payment.order.refunded", order["id"])) == 1

    await wait_until(one_event, message="one refunded event")


async def test_refund_is_retried_while_the_provider_is_down(client: Any) -> None:
    owner, order = await client.paid_order("alipay")
    _, operator = await client.user(roles=("operator",))
    await client.sandbox("/modes", down=True)
    try:
        assert (await _refund(client, operator, order["id"], "d1")).status_code == 202

        async def tried() -> bool:
            async with client.stack.database.transaction() as session:
                from sqlalchemy import text

                tries = await session.scalar(
                    text("SELECT tries FROM refunds WHERE order_id = :id"), {"id": order["id"]}
                )
            return bool(tries)

        await wait_until(tried, message="a failed try")
    finally:
        await client.sandbox("/modes", down=False)
    refunds = await _wait_refunds(client, owner, order["id"], 1)
    assert refunds[0]["status"] == "succeeded"


async def test_withdrawn_application_is_refunded(client: Any) -> None:
    _, auth = await client.user()
    application_id = uuid.uuid4()
    order = await client.create_order(auth, "certification", str(application_id))
    await client.start(auth, order["id"], "alipay")
    await client.sandbox(f"/alipay/trades/{uuid.UUID(order['id']).hex}/pay")
    await client.wait_status(auth, order["id"], "paid")

    settings = PlatformSettings()
    event = ApplicationWithdrawn(
        application_id=application_id, user_id=uuid.UUID(order["user_id"]), reason="changed mind"
    )
    envelope = EventEnvelope(
        type=event.event_type,
        version=1,
        source="certification",
        subject=str(application_id),
        data=event.model_dump(mode="json"),
    )
    connection = await aio_pika.connect(settings.broker_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(f"{settings.broker_prefix}educert.events")
        for _ in range(2):  # delivered twice: refunded once
            await exchange.publish(
                aio_pika.Message(envelope.model_dump_json().encode(), type=event.event_type),
                routing_key=event.event_type,
            )
    refunds = await _wait_refunds(client, auth, order["id"], 1)
    assert len(refunds) == 1
    assert refunds[0]["kind"] == "withdrawal" and refunds[0]["amount_fen"] == 36000
