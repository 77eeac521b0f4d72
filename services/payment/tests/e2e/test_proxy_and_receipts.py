"""Proxy payment by a second, anonymous client; the receipt PDF parsed back; verification."""

import io
import uuid
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from educert_common.settings import PlatformSettings

pytestmark = pytest.mark.e2e


async def _internal_order(client: Any, user_id: str, holder: str) -> dict[str, Any]:
    response = await client.http.post(
        client.stack.payment.url + "/internal/orders",
        json={
            "user_id": user_id,
            "purpose": "certification",
            "reference_id": uuid.uuid4().hex,
            "holder_name": holder,
        },
        headers={
            "X-Internal-Token": PlatformSettings().internal_token,
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_anonymous_friend_pays_through_the_link(client: Any) -> None:
    user_id = str(uuid.uuid4())
    auth = {"Authorization": f"Bearer {await client.tokens.mint(user_id)}"}
    order = await _internal_order(client, user_id, "张三丰")
    link = await client.http.post(
        f"{client.stack.url}/orders/{order['id']}/proxy-link", headers=auth
    )
    assert link.status_code == 200
    again = await client.http.post(
        f"{client.stack.url}/orders/{order['id']}/proxy-link", headers=auth
    )
    assert again.json()["token"] == link.json()["token"] and len(link.json()["token"]) >= 40

    async with httpx.AsyncClient(timeout=10) as friend:  # no token, no cookies
        view = await friend.get(link.json()["url"])
        assert view.status_code == 200
        shown = view.json()
        assert shown["amount_fen"] == 36000 and shown["amount_yuan"] == "360.00"
        assert shown["holder"] == "张**" and shown["purpose"] == "certification"
        assert user_id not in view.text and order["id"] not in view.text
        assert "张三丰" not in view.text
        not_yet = await friend.get(link.json()["url"] + "/receipt.pdf")
        assert not_yet.status_code == 409
        started = await friend.post(link.json()["url"] + "/payments", json={"channel": "alipay"})
        assert started.status_code == 200
        no = uuid.UUID(order["id"]).hex
        await client.sandbox(f"/alipay/trades/{no}/pay")
        paid = await client.wait_status(auth, order["id"], "paid")
        receipt = await friend.get(link.json()["url"] + "/receipt.pdf")
        assert receipt.status_code == 200 and receipt.headers["content-type"] == "application/pdf"
        text = _text(receipt.content)
        assert "张**" in text and "张三丰" not in text
        assert "支付宝" in text and "¥360.00" in text and no in text
        wrong = await friend.get(f"{client.stack.url}/proxy/{'x' * 43}")
        assert wrong.status_code == 404
    assert paid["paid_channel"] == "alipay"


async def test_link_expires_with_the_order(client: Any) -> None:
    _, auth = await client.user()
    order = await client.create_order(auth)
    link = (
        await client.http.post(f"{client.stack.url}/orders/{order['id']}/proxy-link", headers=auth)
    ).json()
    await client.stack.execute(
        "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = :id", id=order["id"]
    )
    async with httpx.AsyncClient(timeout=10) as friend:
        assert (await friend.get(link["url"])).status_code == 404
        paying = await friend.post(link["url"] + "/payments", json={"channel": "wechat"})
        assert paying.status_code == 404


async def test_receipt_pdf_has_its_fields_and_verifies(client: Any) -> None:
    auth, order = await client.paid_order("wechat")
    unpaid_auth = (await client.user())[1]
    unpaid = await client.create_order(unpaid_auth)
    refused = await client.http.get(
        f"{client.stack.url}/orders/{unpaid['id']}/receipt.pdf", headers=unpaid_auth
    )
    assert refused.status_code == 409 and refused.json()["code"] == "order_not_paid"

    response = await client.http.get(
        f"{client.stack.url}/orders/{order['id']}/receipt.pdf", headers=auth
    )
    assert response.status_code == 200
    text = _text(response.content)
    code = order["receipt_code"]
    display = "-".join(code[i : i + 4] for i in range(0, 12, 4))
    for expected in (
        "电子收据",
        uuid.UUID(order["id"]).hex,
        "学位学历认证费",
        "¥360.00",
        "人民币叁佰陆拾元整",
        "微信支付",
        display,
        f"/api/v1/payment/receipts/{code}",
    ):
        assert expected in text, expected
    verified = await client.http.get(f"{client.stack.url}/receipts/{display.lower()}")
    assert verified.status_code == 200
    facts = verified.json()
    assert (
        facts["amount_fen"] == 36000 and facts["channel"] == "wechat" and facts["status"] == "valid"
    )
    assert "user_id" not in facts
    assert (await client.http.get(f"{client.stack.url}/receipts/ZZZZZZZZZZZZ")).status_code == 404
