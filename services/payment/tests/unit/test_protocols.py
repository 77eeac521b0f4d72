"""The providers' protocols: amounts, WeChat Pay v3 signatures and AEAD, Alipay RSA2."""

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from payment.providers.alipay import (
    Alipay,
    response_node,
    signing_content,
    verify_notification_params,
)
from payment.providers.base import CHINA, InvalidNotification, fen_to_yuan, yuan_to_fen
from payment.providers.wechat import (
    WeChatPay,
    authorization,
    decrypt_resource,
    encrypt_resource,
    parse_authorization,
    request_message,
    rsa_sign,
    rsa_verify,
)

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
APIV3 = b"0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("yuan", "fen"), [("360.00", 36000), ("2", 200), ("0.01", 1), ("0.1", 10), ("19.99", 1999)]
)
def test_yuan_and_fen_convert_exactly(yuan: str, fen: int) -> None:
    assert yuan_to_fen(yuan) == fen
    assert yuan_to_fen(fen_to_yuan(fen)) == fen


@pytest.mark.parametrize("bad", ["0.001", "-1.00", "abc", "NaN", "Infinity", "1e400", ""])
def test_bad_yuan_amounts_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        yuan_to_fen(bad)


def _wechat() -> WeChatPay:
    return WeChatPay(
        base_url="http://sandbox",
        mchid="1900000109",
        appid="wx1",
        merchant_serial="M1",
        merchant_key=OTHER,
        platform_keys={"PUB_KEY_ID_1": KEY.public_key()},
        apiv3_key=APIV3,
        notify_url="http://x/n",
        refund_notify_url="http://x/r",
    )


def _wechat_callback(
    resource: dict[str, object], *, key: rsa.RSAPrivateKey = KEY, age: int = 0
) -> tuple[dict[str, str], bytes]:
    body = json.dumps(
        {
            "id": "1",
            "event_type": "TRANSACTION.SUCCESS",
            "resource": encrypt_resource(
                APIV3,
                json.dumps(resource).encode(),
                associated_data="transaction",
                original_type="transaction",
            ),
        }
    ).encode()
    timestamp, nonce = str(int(time.time()) - age), "abc"
    signature = rsa_sign(key, f"{timestamp}\n{nonce}\n{body.decode()}\n")
    headers = {
        "Wechatpay-Serial": "PUB_KEY_ID_1",
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": signature,
    }
    return headers, body


TRANSACTION = {
    "appid": "wx1",
    "mchid": "1900000109",
    "out_trade_no": "a" * 32,
    "transaction_id": "4200001",
    "trade_state": "SUCCESS",
    "success_time": "2026-11-24T10:00:00+08:00",
    "amount": {"total": 36000, "currency": "CNY"},
}


def test_wechat_callback_verified_and_decrypted() -> None:
    headers, body = _wechat_callback(TRANSACTION)
    notice = _wechat().verify_notification(headers, body)
    assert notice.amount_fen == 36000 and notice.status == "paid"
    assert notice.paid_at == datetime(2026, 11, 24, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    "tamper",
    ["forged", "stale", "serial", "body", "merchant", "app", "ciphertext"],
)
def test_wechat_callback_refused(tamper: str) -> None:
    resource = dict(TRANSACTION)
    if tamper == "merchant":
        resource["mchid"] = "other"
    if tamper == "app":
        resource["appid"] = "other"
    headers, body = _wechat_callback(
        resource, key=OTHER if tamper == "forged" else KEY, age=301 if tamper == "stale" else 0
    )
    if tamper == "serial":
        headers["Wechatpay-Serial"] = "PUB_KEY_ID_2"
    if tamper == "body":
        body = body.replace(b'"id": "1"', b'"id": "2"')
    if tamper == "ciphertext":
        envelope = json.loads(body)
        sealed = bytearray(base64.b64decode(envelope["resource"]["ciphertext"]))
        sealed[0] ^= 1
        envelope["resource"]["ciphertext"] = base64.b64encode(bytes(sealed)).decode()
        body = json.dumps(envelope).encode()
        headers["Wechatpay-Signature"] = rsa_sign(
            KEY,
            f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{body.decode()}\n",
        )
    with pytest.raises(InvalidNotification):
        _wechat().verify_notification(headers, body)


def test_wechat_request_authorization_round_trip() -> None:
    header = authorization(
        mchid="1900000109", serial="M1", key=KEY, method="POST", path="/v3/x?a=1", body="{}"
    )
    fields = parse_authorization(header)
    message = request_message("POST", "/v3/x?a=1", fields["timestamp"], fields["nonce_str"], "{}")
    assert rsa_verify(KEY.public_key(), message, fields["signature"])
    assert not rsa_verify(KEY.public_key(), message.replace("POST", "GET"), fields["signature"])


def test_aead_resource_binds_associated_data() -> None:
    resource = encrypt_resource(APIV3, b"{}", associated_data="transaction", original_type="t")
    assert decrypt_resource(APIV3, resource) == b"{}"
    with pytest.raises(InvalidNotification):
        decrypt_resource(APIV3, {**resource, "associated_data": "refund"})


def _alipay() -> Alipay:
    return Alipay(
        gateway="http://sandbox/gateway.do",
        app_id="2021",
        seller_id="2088",
        app_key=OTHER,
        alipay_public_key=KEY.public_key(),
        notify_url="http://x/a",
    )


def _alipay_notify(key: rsa.RSAPrivateKey = KEY, **changes: str) -> bytes:
    params = {
        "notify_time": datetime.now(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
        "notify_type": "trade_status_sync",
        "notify_id": "n1",
        "app_id": "2021",
        "charset": "utf-8",
        "version": "1.0",
        "sign_type": "RSA2",
        "trade_no": "2026001",
        "out_trade_no": "b" * 32,
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "360.00",
        "seller_id": "2088",
        "subject": "认证费 fee & more",
        "buyer_logon_id": "",
    }
    params.update(changes)
    params["sign"] = rsa_sign(key, signing_content(params, exclude=("sign", "sign_type")))
    return urlencode(params).encode()


def test_alipay_signing_content_sorts_and_drops_empty_and_sign() -> None:
    assert signing_content({"b": "2", "a": "1", "sign": "x", "c": ""}) == "a=1&b=2"
    params = {"a": "1", "sign_type": "RSA2"}
    params["sign"] = rsa_sign(KEY, "a=1")
    assert verify_notification_params(params, KEY.public_key())


def test_alipay_notification_verified() -> None:
    notice = _alipay().verify_notification({}, _alipay_notify())
    assert notice.amount_fen == 36000 and notice.status == "paid"


@pytest.mark.parametrize(
    "changes",
    [
        {"app_id": "9999"},
        {"seller_id": "9999"},
        {"notify_time": (datetime.now(CHINA) - timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")},
        {"total_amount": "360.001"},
    ],
)
def test_alipay_notification_refused(changes: dict[str, str]) -> None:
    with pytest.raises(InvalidNotification):
        _alipay().verify_notification({}, _alipay_notify(**changes))


def test_alipay_forged_or_altered_notification_refused() -> None:
    with pytest.raises(InvalidNotification):
        _alipay().verify_notification({}, _alipay_notify(key=OTHER))
    altered = _alipay_notify().replace(b"total_amount=360.00", b"total_amount=1.00")
    with pytest.raises(InvalidNotification):
        _alipay().verify_notification({}, altered)


def test_alipay_response_node_keeps_the_signed_text() -> None:
    node_text = '{"code":"10000","msg":"Success","qr_code":"https://qr/x"}'
    raw = '{"alipay_trade_precreate_response":' + node_text + ',"sign":"abc"}'
    node, signed, sign = response_node(raw, "alipay.trade.precreate")
    assert signed == node_text and sign == "abc" and node["qr_code"] == "https://qr/x"
