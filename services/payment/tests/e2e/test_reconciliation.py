"""Reconciliation: the day's statement from the sandbox against the orders."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from payment.providers.base import CHINA

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("channel", ["wechat", "alipay"])
async def test_statement_mismatches_are_listed(client: Any, channel: str) -> None:
    owner, order = await client.paid_order(channel)
    _, operator = await client.user(roles=("operator",))
    stranger = uuid.uuid4().hex
    await client.sandbox("/statement-lines", channel=channel, out_trade_no=stranger, amount_fen=500)
    today = datetime.now(UTC).astimezone(CHINA).date().isoformat()
    denied = await client.http.post(
        f"{client.stack.url}/reconciliation/runs",
        json={"day": today, "channel": channel},
        headers=owner,
    )
    assert denied.status_code == 403
    response = await client.http.post(
        f"{client.stack.url}/reconciliation/runs",
        json={"day": today, "channel": channel},
        headers=operator,
    )
    assert response.status_code == 201, response.text
    run = response.json()
    assert run["status"] == "completed" and run["matched"] >= 1
    kinds = {(m["kind"], m["out_trade_no"]) for m in run["mismatches"]}
    assert ("missing_here", stranger) in kinds
    assert not any(no == uuid.UUID(order["id"]).hex for _, no in kinds)
    listed = await client.http.get(f"{client.stack.url}/reconciliation/runs", headers=operator)
    assert run["id"] in {r["id"] for r in listed.json()["items"]}
