"""Alipay open platform: RSA2 (SHA256withRSA) signed gateway calls, verified responses and
asynchronous notifications. Face-to-face precreate: the provider returns a `qr_code`.

https://opendocs.alipay.com/common/02kf5q (signing), https://opendocs.alipay.com/open/270/105902
(asynchronous notification).
"""

import json
import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from fastapi import Response
from fastapi.responses import PlainTextResponse

from payment.providers.base import (
    CHINA,
    InvalidNotification,
    PaymentNotice,
    ProviderError,
    ProviderRejected,
    RefundNotice,
    RefundResult,
    StartedPayment,
    StatementLine,
    TradeState,
    TradeStatus,
    fen_to_yuan,
    yuan_to_fen,
)
from payment.providers.wechat import rsa_sign, rsa_verify

logger = logging.getLogger(__name__)

SUCCESS_CODE = "10000"
PAID_STATUSES = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


# Gateway code 20000 is "service unavailable" (isp.unknow-error: the business system,
# aop.unknow-error: the gateway itself), documented as "retry later". isp.* sub-codes are
# Alipay's own internal errors. ACQ.SYSTEM_ERROR (also sent as aop.ACQ.SYSTEM_ERROR, and
# misspelt AQC.SYSTEM_ERROR in some API pages) is "call again with the same parameters". For
# money-moving calls all of them mean the outcome is unknown, never a refusal. No isv.* code is
# here: they report errors in our own request (missing or invalid parameters, signature, app
# id) that retrying does not heal; a refund refused that way is still only marked failed after
# a query confirms Alipay has no such refund.
TRANSIENT_GATEWAY_CODES = frozenset({"20000"})
TRANSIENT_SUB_CODES = frozenset({"ACQ.SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR", "AQC.SYSTEM_ERROR"})


def is_transient(code: str, sub_code: str) -> bool:
    """Whether an Alipay error answer means "try again" rather than "refused for good"."""
    return (
        code in TRANSIENT_GATEWAY_CODES
        or sub_code in TRANSIENT_SUB_CODES
        or sub_code.startswith(("isp.", "aop.unknow"))
    )


def signing_content(params: Mapping[str, str], *, exclude: tuple[str, ...] = ("sign",)) -> str:
    """Sorted `k=v` pairs joined by `&`, without the excluded keys and empty values."""
    return "&".join(
        f"{key}={params[key]}"
        for key in sorted(params)
        if key not in exclude and params[key] not in ("", None)
    )


def sign_params(params: Mapping[str, str], key: RSAPrivateKey) -> str:
    return rsa_sign(key, signing_content(params))


def verify_notification_params(params: Mapping[str, str], key: RSAPublicKey) -> bool:
    """Drop `sign` and `sign_type`, sort, join and verify the base64 signature."""
    content = signing_content(params, exclude=("sign", "sign_type"))
    return rsa_verify(key, content, params.get("sign", ""))


def china_time(value: str) -> datetime:
    return datetime.strptime(value, TIME_FORMAT).replace(tzinfo=CHINA).astimezone(UTC)


def response_node(raw: str, method: str) -> tuple[dict[str, Any], str, str]:
    """Return the `<method>_response` object, its raw JSON text (what Alipay signed) and sign."""
    name = method.replace(".", "_") + "_response"
    key = f'"{name}"'
    start = raw.find(key)
    if start < 0:
        name = "error_response"
        start = raw.find('"error_response"')
        key = '"error_response"'
    if start < 0:
        raise ProviderError("alipay answer has no response node")
    value_start = raw.index(":", start + len(key)) + 1
    while raw[value_start] in " \t\r\n":
        value_start += 1
    node, end = json.JSONDecoder().raw_decode(raw, value_start)
    document = json.loads(raw)
    return node, raw[value_start:end], str(document.get("sign", ""))


class Alipay:
    """The Alipay adapter (face-to-face precreate: a QR code for the payer to scan)."""

    channel = "alipay"

    def __init__(
        self,
        *,
        gateway: str,
        app_id: str,
        seller_id: str,
        app_key: RSAPrivateKey,
        alipay_public_key: RSAPublicKey,
        notify_url: str,
        timeout: float = 10.0,
        notify_max_age_seconds: int = 26 * 3600,
    ) -> None:
        self.gateway = gateway
        self.app_id = app_id
        self.seller_id = seller_id
        self.app_key = app_key
        self.alipay_public_key = alipay_public_key
        self.notify_url = notify_url
        self.notify_max_age_seconds = notify_max_age_seconds
        self.client = httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _call(
        self, method: str, biz: Mapping[str, Any], *, notify: bool = False
    ) -> dict[str, Any]:
        params = {
            "app_id": self.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": datetime.now(CHINA).strftime(TIME_FORMAT),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        }
        if notify:
            params["notify_url"] = self.notify_url
        params["sign"] = sign_params(params, self.app_key)
        try:
            response = await self.client.post(self.gateway, data=params)
        except httpx.HTTPError as exc:
            raise ProviderError(f"alipay unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise ProviderError(f"alipay {response.status_code}")
        try:
            node, signed_text, sign = response_node(response.text, method)
        except (ValueError, IndexError) as exc:
            raise ProviderError("alipay answer is not JSON") from exc
        if not rsa_verify(self.alipay_public_key, signed_text, sign):
            raise ProviderError("alipay response not verified")
        if node.get("code") != SUCCESS_CODE:
            code, sub_code = str(node.get("code", "")), str(node.get("sub_code") or "")
            message = str(node.get("sub_msg") or node.get("msg") or "")
            if is_transient(code, sub_code):
                raise ProviderError(f"alipay {code} {sub_code}: {message}")
            raise ProviderRejected(sub_code or code, message)
        return node

    async def start_payment(
        self, *, out_trade_no: str, amount_fen: int, description: str, expires_at: datetime
    ) -> StartedPayment:
        node = await self._call(
            "alipay.trade.precreate",
            {
                "out_trade_no": out_trade_no,
                "total_amount": fen_to_yuan(amount_fen),
                "subject": description[:256],
                "time_expire": expires_at.astimezone(CHINA).strftime(TIME_FORMAT),
            },
            notify=True,
        )
        if not isinstance(node.get("qr_code"), str):
            raise ProviderError("alipay gave no qr_code")
        return StartedPayment(code_url=node["qr_code"])

    async def query_payment(self, out_trade_no: str) -> TradeState:
        try:
            node = await self._call("alipay.trade.query", {"out_trade_no": out_trade_no})
        except ProviderRejected as exc:
            if exc.code == "ACQ.TRADE_NOT_EXIST":
                return TradeState(out_trade_no, "not_found")
            raise
        if node.get("out_trade_no") != out_trade_no:
            raise ProviderError("alipay query answered about another trade")
        raw = str(node.get("trade_status"))
        status: TradeStatus = (
            "paid" if raw in PAID_STATUSES else "closed" if raw == "TRADE_CLOSED" else "pending"
        )
        return TradeState(
            out_trade_no,
            status,
            transaction_id=node.get("trade_no"),
            amount_fen=yuan_to_fen(str(node["total_amount"])) if node.get("total_amount") else None,
            paid_at=china_time(node["send_pay_date"]) if node.get("send_pay_date") else None,
        )

    async def close_payment(self, out_trade_no: str) -> None:
        try:
            await self._call("alipay.trade.close", {"out_trade_no": out_trade_no})
        except ProviderRejected as exc:
            # A trade the payer never scanned does not exist at Alipay yet: nothing to close.
            if exc.code != "ACQ.TRADE_NOT_EXIST":
                raise

    async def refund(
        self, *, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int, reason: str
    ) -> RefundResult:
        # Synchronous at Alipay: `fund_change` = "Y" means the money moved with this call.
        # Retried with the same out_request_no it answers again without a second refund.
        node = await self._call(
            "alipay.trade.refund",
            {
                "out_trade_no": out_trade_no,
                "refund_amount": fen_to_yuan(amount_fen),
                "out_request_no": out_refund_no,
                "refund_reason": reason[:256],
            },
        )
        return RefundResult("succeeded", node.get("trade_no"))

    async def query_refund(self, *, out_trade_no: str, out_refund_no: str) -> RefundResult:
        try:
            node = await self._call(
                "alipay.trade.fastpay.refund.query",
                {"out_trade_no": out_trade_no, "out_request_no": out_refund_no},
            )
        except ProviderRejected as exc:
            if exc.code == "ACQ.TRADE_NOT_EXIST":
                return RefundResult("not_found")
            raise
        # Success (10000) only means the query worked. Alipay documents: data about the refund
        # with refund_status REFUND_SUCCESS (or empty, in older answers) is a refund done; no
        # data is a refund that does not exist.
        status = node.get("refund_status")
        if status == "REFUND_SUCCESS":
            return RefundResult("succeeded", node.get("trade_no"))
        if not node.get("out_request_no") and not node.get("refund_amount"):
            return RefundResult("not_found")
        if node.get("out_request_no") not in (None, out_refund_no):
            raise ProviderError("alipay refund query answered about another refund")
        if not status:
            return RefundResult("succeeded", node.get("trade_no"))
        return RefundResult("processing", node.get("trade_no"))

    async def statement(self, day: date) -> list[StatementLine]:
        node = await self._call(
            "alipay.data.dataservice.bill.downloadurl.query",
            {"bill_type": "trade", "bill_date": day.isoformat()},
        )
        url = node.get("bill_download_url")
        if not isinstance(url, str):
            raise ProviderError("alipay gave no bill_download_url")
        try:
            response = await self.client.get(url)
        except httpx.HTTPError as exc:
            raise ProviderError(f"alipay bill unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise ProviderError(f"alipay bill {response.status_code}")
        return parse_trade_bill(response.text)

    def verify_notification(
        self, headers: Mapping[str, str], body: bytes, *, now: datetime | None = None
    ) -> PaymentNotice | RefundNotice:
        """Verify the RSA2 signature first, then the notify time, then who it is about."""
        try:
            params = dict(
                parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidNotification("malformed form body") from exc
        if params.get("sign_type", "RSA2") != "RSA2":
            raise InvalidNotification("only RSA2 is accepted")
        if not verify_notification_params(params, self.alipay_public_key):
            raise InvalidNotification("bad signature")
        try:
            sent = china_time(params["notify_time"])
        except (KeyError, ValueError) as exc:
            raise InvalidNotification("missing or malformed notify_time") from exc
        age = ((now or datetime.now(UTC)) - sent).total_seconds()
        if age > self.notify_max_age_seconds or age < -300:
            raise InvalidNotification("stale notify_time")
        if params.get("app_id") != self.app_id:
            raise InvalidNotification("notification for another app")
        if params.get("seller_id") != self.seller_id:
            raise InvalidNotification("notification for another seller")
        try:
            raw_status = params["trade_status"]
            paid = raw_status in PAID_STATUSES
            return PaymentNotice(
                out_trade_no=params["out_trade_no"],
                transaction_id=params["trade_no"],
                amount_fen=yuan_to_fen(params["total_amount"]),
                paid_at=china_time(params["gmt_payment"]) if params.get("gmt_payment") else sent,
                status="paid" if paid else "closed" if raw_status == "TRADE_CLOSED" else "other",
                raw_status=raw_status,
            )
        except (KeyError, ValueError) as exc:
            raise InvalidNotification("notification lacks required fields") from exc

    def acknowledge(self) -> Response:
        return PlainTextResponse("success")

    def refuse(self, message: str, status: int = 400) -> Response:
        # Anything but "success" makes Alipay retry; the status code is for our own logs.
        return PlainTextResponse("fail", status_code=status)


def parse_trade_bill(text: str) -> list[StatementLine]:
    """Parse the trade detail CSV (支付宝交易号, 商户订单号, 业务类型, 完成时间, 订单金额（元）,
    商家实收（元）, 退款批次号/请求号; "交易" rows are payments, "退款" rows refunds)."""
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not rows:
        return []
    header = [name.strip() for name in rows[0].split(",")]
    result = []
    for line in rows[1:]:
        values = dict(zip(header, (v.strip() for v in line.split(",")), strict=False))
        kind = values.get("业务类型")
        if kind not in ("交易", "退款"):
            continue
        occurred = china_time(values["完成时间"])
        amount = yuan_to_fen(values["商家实收（元）"].lstrip("-"))
        result.append(
            StatementLine(
                "payment" if kind == "交易" else "refund",
                values["商户订单号"],
                values["支付宝交易号"],
                amount,
                occurred,
                out_refund_no=values.get("退款批次号/请求号") or None,
            )
        )
    return result
