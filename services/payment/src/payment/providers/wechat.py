"""WeChat Pay API v3: signed requests (WECHATPAY2-SHA256-RSA2048), verified responses and
callbacks, AEAD_AES_256_GCM resources. Native payment: the provider returns a `code_url`
that the payer scans.

https://pay.weixin.qq.com/doc/v3/merchant/4012365342 (signatures),
https://pay.weixin.qq.com/doc/v3/merchant/4012071382 (callback decryption).
"""

import base64
import json
import logging
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import Response

from payment.providers.base import (
    CHINA,
    InvalidNotification,
    PaymentNotice,
    ProviderError,
    ProviderRejected,
    RefundNotice,
    RefundResult,
    RefundStatus,
    StartedPayment,
    StatementLine,
    TradeState,
    TradeStatus,
    yuan_to_fen,
)

logger = logging.getLogger(__name__)

AUTH_SCHEME = "WECHATPAY2-SHA256-RSA2048"
AEAD = "AEAD_AES_256_GCM"


# --- the protocol's primitives (also used by the sandbox, which plays the other side) -------


def rsa_sign(private_key: RSAPrivateKey, message: str) -> str:
    """SHA256withRSA (PKCS#1 v1.5), base64."""
    signature = private_key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def rsa_verify(public_key: RSAPublicKey, message: str | bytes, signature_b64: str) -> bool:
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        data = message.encode() if isinstance(message, str) else message
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def request_message(method: str, path: str, timestamp: str, nonce: str, body: str) -> str:
    return f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n"


def response_message(timestamp: str, nonce: str, body: bytes) -> bytes:
    # The body is signed as received: verify over the raw bytes, never a re-serialisation.
    return timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"


def authorization(
    *, mchid: str, serial: str, key: RSAPrivateKey, method: str, path: str, body: str
) -> str:
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    signature = rsa_sign(key, request_message(method, path, timestamp, nonce, body))
    return (
        f'{AUTH_SCHEME} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{serial}"'
    )


def parse_authorization(header: str) -> dict[str, str]:
    scheme, _, rest = header.partition(" ")
    if scheme != AUTH_SCHEME:
        raise ValueError("not a WeChat Pay v3 authorization")
    fields = {}
    for part in rest.split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value.strip('"')
    return fields


def encrypt_resource(
    apiv3_key: bytes, plaintext: bytes, *, associated_data: str, original_type: str
) -> dict[str, str]:
    nonce = secrets.token_hex(6)  # 12 ASCII characters, as WeChat Pay sends them
    sealed = AESGCM(apiv3_key).encrypt(nonce.encode(), plaintext, associated_data.encode())
    return {
        "algorithm": AEAD,
        "ciphertext": base64.b64encode(sealed).decode(),
        "associated_data": associated_data,
        "original_type": original_type,
        "nonce": nonce,
    }


def decrypt_resource(apiv3_key: bytes, resource: Mapping[str, Any]) -> bytes:
    if resource.get("algorithm") != AEAD:
        raise InvalidNotification("unsupported resource algorithm")
    try:
        nonce = str(resource["nonce"]).encode()
        sealed = base64.b64decode(str(resource["ciphertext"]), validate=True)
        associated = str(resource.get("associated_data") or "").encode()
        if len(nonce) != 12 or len(sealed) < 16:
            raise InvalidNotification("malformed resource")
        return AESGCM(apiv3_key).decrypt(nonce, sealed, associated or None)
    except (KeyError, ValueError, TypeError, InvalidTag) as exc:
        raise InvalidNotification("resource cannot be decrypted") from exc


def parse_time(value: str) -> datetime:
    """RFC 3339 with offset ("2026-11-24T10:34:56+08:00") to UTC."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("time without offset")
    return parsed.astimezone(UTC)


_TRADE_STATES: dict[str, TradeStatus] = {
    "SUCCESS": "paid",
    "REFUND": "paid",  # paid, then (partly) refunded
    "NOTPAY": "pending",
    "USERPAYING": "pending",
    "CLOSED": "closed",
    "REVOKED": "closed",
    "PAYERROR": "failed",
}
_REFUND_STATES: dict[str, RefundStatus] = {
    "SUCCESS": "succeeded",
    "PROCESSING": "processing",
    "CLOSED": "failed",
    "ABNORMAL": "failed",
}


# Error codes WeChat Pay documents as "system busy / try again with the same request": the
# request may or may not have been carried out, so they are never a refusal. Any 429 and 5xx is
# treated the same way, whatever its code.
TRANSIENT_CODES = frozenset({"SYSTEM_ERROR", "SYSTEMERROR", "FREQUENCY_LIMITED", "BANK_ERROR"})
# The refund query's "no such refund".
REFUND_NOT_FOUND = frozenset({"RESOURCE_NOT_EXISTS", "ORDER_NOT_EXIST"})


def is_transient(status_code: int, code: str) -> bool:
    """Whether an error answer means "try again" rather than "refused for good"."""
    return status_code == 429 or status_code >= 500 or code in TRANSIENT_CODES


class WeChatPay:
    """The WeChat Pay v3 adapter (Native payment)."""

    channel = "wechat"

    def __init__(
        self,
        *,
        base_url: str,
        mchid: str,
        appid: str,
        merchant_serial: str,
        merchant_key: RSAPrivateKey,
        platform_keys: Mapping[str, RSAPublicKey],
        apiv3_key: bytes,
        notify_url: str,
        refund_notify_url: str,
        timeout: float = 10.0,
        max_clock_skew_seconds: int = 300,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.mchid = mchid
        self.appid = appid
        self.merchant_serial = merchant_serial
        self.merchant_key = merchant_key
        self.platform_keys = dict(platform_keys)
        self.apiv3_key = apiv3_key
        self.notify_url = notify_url
        self.refund_notify_url = refund_notify_url
        self.max_clock_skew_seconds = max_clock_skew_seconds
        self.client = httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        await self.client.aclose()

    # --- signatures ---------------------------------------------------------------------------

    def verify_signed(self, headers: Mapping[str, str], body: bytes, *, now: float) -> None:
        """Check the Wechatpay-* headers over `body`: known serial, fresh timestamp, signature."""
        lowered = {k.lower(): v for k, v in headers.items()}
        serial = lowered.get("wechatpay-serial", "")
        signature = lowered.get("wechatpay-signature", "")
        timestamp = lowered.get("wechatpay-timestamp", "")
        nonce = lowered.get("wechatpay-nonce", "")
        if not (serial and signature and timestamp and nonce):
            raise InvalidNotification("missing Wechatpay-* headers")
        key = self.platform_keys.get(serial)
        if key is None:
            raise InvalidNotification("unknown platform serial")
        if not timestamp.isdigit() or abs(now - int(timestamp)) > self.max_clock_skew_seconds:
            raise InvalidNotification("stale or malformed timestamp")
        if not rsa_verify(key, response_message(timestamp, nonce, body), signature):
            raise InvalidNotification("bad signature")

    async def _call(
        self, method: str, path: str, payload: Mapping[str, Any] | None = None
    ) -> tuple[int, dict[str, Any], bytes]:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")) if payload else ""
        signed_path = urlsplit(self.base_url).path.rstrip("/") + path
        headers = {
            "Authorization": authorization(
                mchid=self.mchid,
                serial=self.merchant_serial,
                key=self.merchant_key,
                method=method,
                path=signed_path,
                body=body,
            ),
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Wechatpay-Serial": next(iter(self.platform_keys)),
        }
        try:
            response = await self.client.request(
                method, self.base_url + path, content=body.encode() or None, headers=headers
            )
        except httpx.HTTPError as exc:
            raise ProviderError(f"wechat unreachable: {exc!r}") from exc
        if response.status_code >= 500:
            raise ProviderError(f"wechat {response.status_code}: {response.text[:200]}")
        raw = response.content
        if response.status_code < 300:
            # A forged or altered answer is as bad as none.
            try:
                self.verify_signed(response.headers, raw, now=time.time())
            except InvalidNotification as exc:
                raise ProviderError(f"wechat response not verified: {exc}") from exc
        data: dict[str, Any] = {}
        if raw:
            try:
                data = json.loads(raw)
            except ValueError as exc:
                raise ProviderError("wechat answered with something that is not JSON") from exc
        if response.status_code >= 400:
            code = str(data.get("code") or response.status_code)
            message = str(data.get("message", ""))
            if is_transient(response.status_code, code):
                raise ProviderError(f"wechat {response.status_code} {code}: {message}")
            raise ProviderRejected(code, message)
        return response.status_code, data, raw

    # --- payments -----------------------------------------------------------------------------

    async def start_payment(
        self, *, out_trade_no: str, amount_fen: int, description: str, expires_at: datetime
    ) -> StartedPayment:
        _, data, _ = await self._call(
            "POST",
            "/v3/pay/transactions/native",
            {
                "appid": self.appid,
                "mchid": self.mchid,
                "description": description[:127],
                "out_trade_no": out_trade_no,
                "time_expire": expires_at.astimezone(UTC).isoformat(timespec="seconds"),
                "notify_url": self.notify_url,
                "amount": {"total": amount_fen, "currency": "CNY"},
            },
        )
        if not isinstance(data.get("code_url"), str):
            raise ProviderError("wechat gave no code_url")
        return StartedPayment(code_url=data["code_url"])

    async def query_payment(self, out_trade_no: str) -> TradeState:
        try:
            _, data, _ = await self._call(
                "GET", f"/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={self.mchid}"
            )
        except ProviderRejected as exc:
            if exc.code == "ORDER_NOT_EXIST":
                return TradeState(out_trade_no, "not_found")
            raise
        if data.get("mchid") != self.mchid or data.get("out_trade_no") != out_trade_no:
            raise ProviderError("wechat query answered about another trade")
        status = _TRADE_STATES.get(str(data.get("trade_state")), "pending")
        amount = data.get("amount") or {}
        paid_at = parse_time(data["success_time"]) if data.get("success_time") else None
        return TradeState(
            out_trade_no,
            status,
            transaction_id=data.get("transaction_id"),
            amount_fen=amount.get("total") if isinstance(amount.get("total"), int) else None,
            paid_at=paid_at,
        )

    async def close_payment(self, out_trade_no: str) -> None:
        await self._call(
            "POST", f"/v3/pay/transactions/out-trade-no/{out_trade_no}/close", {"mchid": self.mchid}
        )

    # --- refunds ------------------------------------------------------------------------------

    async def refund(
        self, *, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int, reason: str
    ) -> RefundResult:
        _, data, _ = await self._call(
            "POST",
            "/v3/refund/domestic/refunds",
            {
                "out_trade_no": out_trade_no,
                "out_refund_no": out_refund_no,
                "reason": reason[:80],
                "notify_url": self.refund_notify_url,
                "amount": {"refund": amount_fen, "total": total_fen, "currency": "CNY"},
            },
        )
        return RefundResult(
            _REFUND_STATES.get(str(data.get("status")), "processing"), data.get("refund_id")
        )

    async def query_refund(self, *, out_trade_no: str, out_refund_no: str) -> RefundResult:
        try:
            _, data, _ = await self._call("GET", f"/v3/refund/domestic/refunds/{out_refund_no}")
        except ProviderRejected as exc:
            if exc.code in REFUND_NOT_FOUND:
                return RefundResult("not_found")
            raise
        if data.get("out_refund_no") not in (None, out_refund_no):
            raise ProviderError("wechat refund query answered about another refund")
        return RefundResult(
            _REFUND_STATES.get(str(data.get("status")), "processing"), data.get("refund_id")
        )

    # --- statements ---------------------------------------------------------------------------

    async def statement(self, day: date) -> list[StatementLine]:
        _, data, _ = await self._call(
            "GET", f"/v3/bill/tradebill?bill_date={day.isoformat()}&bill_type=ALL"
        )
        url = data.get("download_url")
        if not isinstance(url, str) or not url.startswith(self.base_url):
            raise ProviderError("wechat gave no usable download_url")
        path = url[len(self.base_url) :]
        signed_path = urlsplit(self.base_url).path.rstrip("/") + path
        headers = {
            "Authorization": authorization(
                mchid=self.mchid,
                serial=self.merchant_serial,
                key=self.merchant_key,
                method="GET",
                path=signed_path,
                body="",
            )
        }
        try:
            response = await self.client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            raise ProviderError(f"wechat bill unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise ProviderError(f"wechat bill {response.status_code}")
        return parse_trade_bill(response.text)

    # --- callbacks ----------------------------------------------------------------------------

    def verify_notification(
        self, headers: Mapping[str, str], body: bytes, *, now: datetime | None = None
    ) -> PaymentNotice | RefundNotice:
        """Verify signature and timestamp first, then decrypt, then check who it is about."""
        self.verify_signed(headers, body, now=(now or datetime.now(UTC)).timestamp())
        try:
            envelope = json.loads(body)
            resource = envelope["resource"]
            event_type = str(envelope["event_type"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidNotification("malformed notification") from exc
        try:
            data = json.loads(decrypt_resource(self.apiv3_key, resource))
        except ValueError as exc:
            raise InvalidNotification("resource is not JSON") from exc
        if data.get("mchid") != self.mchid:
            raise InvalidNotification("notification for another merchant")
        try:
            if event_type.startswith("REFUND."):
                amount = data["amount"]
                return RefundNotice(
                    out_trade_no=str(data["out_trade_no"]),
                    out_refund_no=str(data["out_refund_no"]),
                    provider_refund_id=data.get("refund_id"),
                    status=_REFUND_STATES.get(str(data["refund_status"]), "failed"),
                    amount_fen=_fen(amount["refund"]),
                )
            if data.get("appid") != self.appid:
                raise InvalidNotification("notification for another app")
            raw_status = str(data["trade_state"])
            return PaymentNotice(
                out_trade_no=str(data["out_trade_no"]),
                transaction_id=str(data["transaction_id"]),
                amount_fen=_fen(data["amount"]["total"]),
                paid_at=parse_time(data["success_time"])
                if data.get("success_time")
                else datetime.now(UTC),
                status="paid" if raw_status == "SUCCESS" else "other",
                raw_status=raw_status,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidNotification("notification lacks required fields") from exc

    def acknowledge(self) -> Response:
        return Response(status_code=204)

    def refuse(self, message: str, status: int = 400) -> Response:
        body = json.dumps({"code": "FAIL", "message": message}, ensure_ascii=False)
        return Response(body, status_code=status, media_type="application/json")


def _fen(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError("amount must be a non-negative integer of fen")
    return value


def parse_trade_bill(text: str) -> list[StatementLine]:
    """Parse a trade bill (CSV, every value prefixed with a backtick, totals after the rows).

    Columns used: 交易时间, 微信订单号, 商户订单号, 交易状态, 应结订单金额, 微信退款单号,
    商户退款单号, 退款金额 (yuan).
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = [name.strip() for name in lines[0].split(",")]
    result = []
    for line in lines[1:]:
        if not line.startswith("`"):
            break  # the totals section
        values = dict(zip(header, (v.strip().lstrip("`") for v in line.split(",")), strict=False))
        occurred = datetime.strptime(values["交易时间"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
        if values["交易状态"] == "REFUND":
            result.append(
                StatementLine(
                    "refund",
                    values["商户订单号"],
                    values["微信订单号"],
                    yuan_to_fen(values["退款金额"]),
                    occurred.astimezone(UTC),
                    out_refund_no=values["商户退款单号"],
                )
            )
        else:
            result.append(
                StatementLine(
                    "payment",
                    values["商户订单号"],
                    values["微信订单号"],
                    yuan_to_fen(values["应结订单金额"]),
                    occurred.astimezone(UTC),
                )
            )
    return result
