"""Provider error answers: "try again" (ProviderError) versus "refused for good"
(ProviderRejected), and the refund query's "no such refund"."""

import json

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from payment.providers.alipay import Alipay
from payment.providers.base import ProviderError, ProviderRejected
from payment.providers.wechat import WeChatPay, rsa_sign

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
MERCHANT = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _wechat(status: int, payload: dict[str, str]) -> WeChatPay:
    provider = WeChatPay(
        base_url="http://sandbox",
        mchid="1900000109",
        appid="wx1",
        merchant_serial="M1",
        merchant_key=MERCHANT,
        platform_keys={"PUB_KEY_ID_1": KEY.public_key()},
        apiv3_key=b"0123456789abcdef0123456789abcdef",
        notify_url="http://x/n",
        refund_notify_url="http://x/r",
    )
    provider.client = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda request: httpx.Response(status, json=payload))
    )
    return provider


def _alipay(node: dict[str, str], method: str) -> Alipay:
    provider = Alipay(
        gateway="http://sandbox/gateway.do",
        app_id="2021",
        seller_id="2088",
        app_key=MERCHANT,
        alipay_public_key=KEY.public_key(),
        notify_url="http://x/a",
    )
    text = json.dumps(node, separators=(",", ":"))
    name = method.replace(".", "_") + "_response"
    body = '{"' + name + '":' + text + ',"sign":"' + rsa_sign(KEY, text) + '"}'
    provider.client = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda request: httpx.Response(200, text=body))
    )
    return provider


async def _wechat_refund(provider: WeChatPay) -> object:
    return await provider.refund(
        out_trade_no="a" * 32, out_refund_no="b" * 32, amount_fen=1, total_fen=1, reason="r"
    )


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (429, "FREQUENCY_LIMITED"),
        (403, "FREQUENCY_LIMITED"),
        (400, "SYSTEM_ERROR"),
        (500, "SYSTEM_ERROR"),
        (403, "BANK_ERROR"),
        (429, "ANYTHING"),
        (503, "ANYTHING"),
    ],
)
async def test_wechat_transient_errors_are_not_refusals(status: int, code: str) -> None:
    with pytest.raises(ProviderError) as raised:
        await _wechat_refund(_wechat(status, {"code": code, "message": "busy"}))
    assert not isinstance(raised.value, ProviderRejected)


@pytest.mark.parametrize(
    ("status", "code"),
    [(403, "NOT_ENOUGH"), (404, "RESOURCE_NOT_EXISTS"), (400, "PARAM_ERROR"), (403, "NO_AUTH")],
)
async def test_wechat_definite_errors_are_refusals(status: int, code: str) -> None:
    with pytest.raises(ProviderRejected) as raised:
        await _wechat_refund(_wechat(status, {"code": code, "message": "no"}))
    assert raised.value.code == code


async def test_wechat_refund_query_not_found() -> None:
    provider = _wechat(404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"})
    result = await provider.query_refund(out_trade_no="a" * 32, out_refund_no="b" * 32)
    assert result.status == "not_found"


REFUND = "alipay.trade.refund"
REFUND_QUERY = "alipay.trade.fastpay.refund.query"


async def _alipay_refund(provider: Alipay) -> object:
    return await provider.refund(
        out_trade_no="a" * 32, out_refund_no="b" * 32, amount_fen=1, total_fen=1, reason="r"
    )


@pytest.mark.parametrize(
    ("code", "sub_code"),
    [
        ("20000", "isp.unknow-error"),
        ("20000", "aop.unknow-error"),
        ("20000", "aop.ACQ.SYSTEM_ERROR"),
        ("40004", "ACQ.SYSTEM_ERROR"),
        ("40004", "isp.some-internal-error"),
    ],
)
async def test_alipay_transient_errors_are_not_refusals(code: str, sub_code: str) -> None:
    node = {"code": code, "msg": "Service Currently Unavailable", "sub_code": sub_code}
    with pytest.raises(ProviderError) as raised:
        await _alipay_refund(_alipay(node, REFUND))
    assert not isinstance(raised.value, ProviderRejected)


@pytest.mark.parametrize(
    ("code", "sub_code"),
    [
        ("40004", "ACQ.TRADE_NOT_EXIST"),
        ("40004", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"),
        ("40004", "ACQ.SELLER_BALANCE_NOT_ENOUGH"),
        ("40002", "isv.invalid-signature"),
    ],
)
async def test_alipay_definite_errors_are_refusals(code: str, sub_code: str) -> None:
    node = {"code": code, "msg": "Business Failed", "sub_code": sub_code}
    with pytest.raises(ProviderRejected) as raised:
        await _alipay_refund(_alipay(node, REFUND))
    assert raised.value.code == sub_code


@pytest.mark.parametrize(
    ("node", "status"),
    [
        ({"code": "10000", "msg": "Success"}, "not_found"),
        (
            {
                "code": "10000",
                "out_request_no": "b" * 32,
                "refund_amount": "0.01",
                "refund_status": "REFUND_SUCCESS",
            },
            "succeeded",
        ),
        ({"code": "10000", "out_request_no": "b" * 32, "refund_amount": "0.01"}, "succeeded"),
        ({"code": "40004", "sub_code": "ACQ.TRADE_NOT_EXIST"}, "not_found"),
    ],
)
async def test_alipay_refund_query(node: dict[str, str], status: str) -> None:
    result = await _alipay(node, REFUND_QUERY).query_refund(
        out_trade_no="a" * 32, out_refund_no="b" * 32
    )
    assert result.status == status
