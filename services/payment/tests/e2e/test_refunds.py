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
        events = client.stack.subscriber.of("payment.order.refunded", order_id=order["id"])
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
        return len(client.stack.subscriber.of("payment.order.refunded", order_id=order["id"])) == 1

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


# --- provider errors: transient ones are retried, refusals confirmed, late successes applied --


async def _refund_row(client: Any, refund_id: str) -> Any:
    async with client.stack.database.transaction() as session:
        from sqlalchemy import text

        return (
            await session.execute(
                text(
                    "SELECT r.status, r.tries, r.last_error, a.reserved_fen, a.refunded_fen"
                    " FROM refunds r JOIN payment_attempts a ON a.id = r.attempt_id"
                    " WHERE r.id = :id"
                ),
                {"id": refund_id},
            )
        ).one()


async def _events(client: Any, order_id: str, count: int) -> list[Any]:
    async def enough() -> list[Any] | None:
        events = client.stack.subscriber.of("payment.order.refunded", order_id=order_id)
        return events if len(events) >= count else None

    return await wait_until(enough, message=f"{count} refunded events")


async def _faults(client: Any, channel: str, **body: Any) -> None:
    await client.sandbox(f"/{channel}/refund-faults", **body)


@pytest.mark.parametrize(
    ("channel", "code"),
    [
        ("wechat", "FREQUENCY_LIMITED"),  # 429
        ("wechat", "SYSTEM_ERROR"),  # 500
        ("alipay", "ACQ.SYSTEM_ERROR"),  # 40004
        ("alipay", "isp.unknow-error"),  # 20000
    ],
)
async def test_transient_errors_are_retried_then_the_refund_succeeds(
    client: Any, channel: str, code: str
) -> None:
    owner, order = await client.paid_order(channel)
    _, operator = await client.user(roles=("operator",))
    await _faults(client, channel, times=2, code=code)
    try:
        response = await _refund(client, operator, order["id"], "t1")
        assert response.status_code == 202
        refunds = await _wait_refunds(client, owner, order["id"], 1)
    finally:
        await _faults(client, channel, times=0)
    assert refunds[0]["status"] == "succeeded"
    row = await _refund_row(client, refunds[0]["id"])
    assert row.tries == 3 and code in (row.last_error or "")
    assert (row.reserved_fen, row.refunded_fen) == (36000, 36000)
    await _events(client, order["id"], 1)
    assert len(client.stack.subscriber.of("payment.order.refunded", order_id=order["id"])) == 1
    trade = (
        await client.http.get(
            f"{client.stack.sandbox.url}/control/{channel}/trades/{uuid.UUID(order['id']).hex}"
        )
    ).json()
    assert [r["amount_fen"] for r in trade["refunds"]] == [36000]


async def test_refund_without_answer_is_left_unknown_then_found_by_query(client: Any) -> None:
    """More transient errors than the tries (3 in the tests): `unknown`, reservation kept; the
    query job finds the provider never got it and it is submitted again."""
    owner, order = await client.paid_order("alipay")
    _, operator = await client.user(roles=("operator",))
    await _faults(client, "alipay", times=3)
    try:
        refund = (await _refund(client, operator, order["id"], "u1")).json()

        async def unknown() -> Any:
            row = await _refund_row(client, refund["id"])
            return row if row.status == "unknown" else None

        row = await wait_until(unknown, message="refund left unknown")
        assert row.reserved_fen == 36000 and row.refunded_fen == 0
        refunds = await _wait_refunds(client, owner, order["id"], 1)
    finally:
        await _faults(client, "alipay", times=0)
    assert refunds[0]["status"] == "succeeded"
    await _events(client, order["id"], 1)


async def test_refusal_for_a_refund_made_after_all_is_not_believed(client: Any) -> None:
    """The provider carries the refund out but answers with a refusal: the query finds it."""
    owner, order = await client.paid_order("alipay")
    _, operator = await client.user(roles=("operator",))
    await _faults(client, "alipay", times=1, code="ACQ.SELLER_BALANCE_NOT_ENOUGH", apply=True)
    try:
        assert (await _refund(client, operator, order["id"], "a1")).status_code == 202
        refunds = await _wait_refunds(client, owner, order["id"], 1)
    finally:
        await _faults(client, "alipay", times=0)
    assert refunds[0]["status"] == "succeeded"
    await _events(client, order["id"], 1)


async def test_definite_refusal_fails_the_refund_and_a_late_success_corrects_it(
    client: Any,
) -> None:
    owner, order = await client.paid_order("wechat")
    _, operator = await client.user(roles=("operator",))
    await _faults(client, "wechat", times=1, code="NOT_ENOUGH")
    try:
        refund = (await _refund(client, operator, order["id"], "n1")).json()
        refunds = await _wait_refunds(client, owner, order["id"], 1)
    finally:
        await _faults(client, "wechat", times=0)
    assert refunds[0]["status"] == "failed"
    row = await _refund_row(client, refund["id"])
    assert row.tries == 1 and "NOT_ENOUGH" in row.last_error
    assert (row.reserved_fen, row.refunded_fen) == (0, 0)  # released
    assert (await client.order(owner, order["id"]))["refunded_fen"] == 0

    # WeChat reports it made after all: corrected, reserved again, one event.
    no = uuid.UUID(order["id"]).hex
    result = await client.sandbox(
        f"/wechat/trades/{no}/refunds/{uuid.UUID(refund['id']).hex}/succeed", amount_fen=36000
    )
    assert result["statuses"] == [204]
    row = await _refund_row(client, refund["id"])
    assert row.status == "succeeded"
    assert (row.reserved_fen, row.refunded_fen) == (36000, 36000)
    assert (await client.order(owner, order["id"]))["refunded_fen"] == 36000
    events = await _events(client, order["id"], 1)
    assert events[0]["data"]["refund_id"] == refund["id"]
    # The same notice again changes nothing.
    result = await client.sandbox(
        f"/wechat/trades/{no}/refunds/{uuid.UUID(refund['id']).hex}/succeed", amount_fen=36000
    )
    assert result["statuses"] == [204]
    nothing = await _refund(client, operator, order["id"], "n2")
    assert nothing.status_code == 409
    assert len(client.stack.subscriber.of("payment.order.refunded", order_id=order["id"])) == 1


async def test_late_success_that_would_exceed_what_was_paid_is_a_mismatch(client: Any) -> None:
    owner, order = await client.paid_order("wechat")
    _, operator = await client.user(roles=("operator",))
    await _faults(client, "wechat", times=1, code="NOT_ENOUGH")
    try:
        failed = (await _refund(client, operator, order["id"], "m1")).json()
        await _wait_refunds(client, owner, order["id"], 1)
    finally:
        await _faults(client, "wechat", times=0)
    # The released amount is refunded again by another refund.
    assert (await _refund(client, operator, order["id"], "m2")).status_code == 202
    await _wait_refunds(client, owner, order["id"], 2)
    await _events(client, order["id"], 1)

    no = uuid.UUID(order["id"]).hex
    result = await client.sandbox(
        f"/wechat/trades/{no}/refunds/{uuid.UUID(failed['id']).hex}/succeed", amount_fen=36000
    )
    assert result["statuses"] == [204]  # acknowledged: retrying would not help
    row = await _refund_row(client, failed["id"])
    assert row.status == "failed" and (row.reserved_fen, row.refunded_fen) == (36000, 36000)
    assert (await client.order(owner, order["id"]))["refunded_fen"] == 36000
    runs = (
        await client.http.get(f"{client.stack.url}/reconciliation/runs", headers=operator)
    ).json()["items"]
    alerts = []
    for run in runs:
        if run["status"] == "alert":
            detail = (
                await client.http.get(
                    f"{client.stack.url}/reconciliation/runs/{run['id']}", headers=operator
                )
            ).json()
            alerts += [
                m for m in detail["mismatches"] if m["out_refund_no"] == uuid.UUID(failed["id"]).hex
            ]
    assert [(m["kind"], m["provider_amount_fen"], m["our_amount_fen"]) for m in alerts] == [
        ("refund_over_paid", 36000, 0)
    ]
    assert len(client.stack.subscriber.of("payment.order.refunded", order_id=order["id"])) == 1


# --- duplicate payments: their refunds are not refunds of the order ---------------------------


async def _paid_twice(client: Any, reference: str | None = None) -> tuple[dict[str, str], Any]:
    """An order paid by WeChat, then paid again by Alipay (started before the first payment);
    returns once the automatic refund of the second payment has succeeded."""
    _, auth = await client.user()
    order = await client.create_order(auth, "certification", reference)
    await client.start(auth, order["id"], "wechat")
    await client.start(auth, order["id"], "alipay")
    no = uuid.UUID(order["id"]).hex
    await client.sandbox(f"/wechat/trades/{no}/pay")
    await client.wait_status(auth, order["id"], "paid")
    await client.sandbox(f"/alipay/trades/{no}/pay")
    refunds = await _wait_refunds(client, auth, order["id"], 1)
    assert [(r["kind"], r["channel"], r["status"]) for r in refunds] == [
        ("duplicate_payment", "alipay", "succeeded")
    ]
    return auth, await client.order(auth, order["id"])


async def test_refund_of_a_duplicate_payment_leaves_the_order_unrefunded(client: Any) -> None:
    """The duplicate's money went back, but what the order was paid with was not refunded: the
    order and its receipt say so, and a withdrawal still refunds the real payment."""
    application_id = uuid.uuid4()
    auth, order = await _paid_twice(client, str(application_id))
    assert order["paid_channel"] == "wechat" and order["refunded_fen"] == 0
    receipt = await client.http.get(f"{client.stack.url}/receipts/{order['receipt_code']}")
    assert receipt.status_code == 200
    assert (receipt.json()["status"], receipt.json()["refunded_fen"]) == ("valid", 0)

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
        await exchange.publish(
            aio_pika.Message(envelope.model_dump_json().encode(), type=event.event_type),
            routing_key=event.event_type,
        )
    refunds = await _wait_refunds(client, auth, order["id"], 2)
    withdrawal = [r for r in refunds if r["kind"] == "withdrawal"]
    assert [(r["channel"], r["amount_fen"], r["status"]) for r in withdrawal] == [
        ("wechat", 36000, "succeeded")
    ]
    assert (await client.order(auth, order["id"]))["refunded_fen"] == 36000
    receipt = await client.http.get(f"{client.stack.url}/receipts/{order['receipt_code']}")
    assert (receipt.json()["status"], receipt.json()["refunded_fen"]) == ("refunded", 36000)


async def test_operator_refund_after_a_duplicate_refund_is_recorded(client: Any) -> None:
    """The provider moves the money for the real payment's refund: it is recorded at once (not
    refused by the order's bound and submitted again), and counted once."""
    auth, order = await _paid_twice(client)
    _, operator = await client.user(roles=("operator",))
    response = await _refund(client, operator, order["id"], "after-duplicate")
    assert response.status_code == 202 and response.json()["amount_fen"] == 36000
    assert response.json()["channel"] == "wechat"
    refunds = await _wait_refunds(client, auth, order["id"], 2)
    assert sorted((r["kind"], r["status"]) for r in refunds) == [
        ("duplicate_payment", "succeeded"),
        ("operator", "succeeded"),
    ]
    assert (await client.order(auth, order["id"]))["refunded_fen"] == 36000
    row = await _refund_row(client, response.json()["id"])
    assert (row.tries, row.reserved_fen, row.refunded_fen) == (1, 36000, 36000)
    events = await _events(client, order["id"], 2)
    totals = {e["data"]["refund_id"]: e["data"]["refunded_total_fen"] for e in events}
    assert totals[response.json()["id"]] == 36000
    trade = (
        await client.http.get(
            f"{client.stack.sandbox.url}/control/wechat/trades/{uuid.UUID(order['id']).hex}"
        )
    ).json()
    assert [r["amount_fen"] for r in trade["refunds"]] == [36000]
