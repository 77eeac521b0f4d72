"""The sandbox's memory: trades, refunds, notifications sent, and the keys of both sides."""

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from payment.config import PaymentSettings
from payment.providers.base import CHINA
from payment.providers.keys import dev_keys, load_private
from payment.sandbox.config import SandboxSettings

logger = logging.getLogger(__name__)


@dataclass
class RefundRecord:
    out_refund_no: str
    refund_id: str
    amount_fen: int
    status: str  # PROCESSING | SUCCESS
    created_at: datetime
    notify_url: str | None = None
    succeeded_at: datetime | None = None


@dataclass
class Trade:
    channel: str
    out_trade_no: str
    amount_fen: int
    description: str
    notify_url: str
    # WeChat: NOTPAY / SUCCESS / REFUND / CLOSED / PAYERROR;
    # Alipay: WAIT_BUYER_PAY / TRADE_SUCCESS / TRADE_CLOSED
    status: str
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    transaction_id: str | None = None
    paid_at: datetime | None = None
    refunds: dict[str, RefundRecord] = field(default_factory=dict)
    # WeChat: where the last refund request asked its result to be sent.
    refund_notify_url: str | None = None

    @property
    def paid(self) -> bool:
        return self.paid_at is not None

    def refunded_fen(self) -> int:
        return sum(r.amount_fen for r in self.refunds.values())


@dataclass
class Delivery:
    channel: str
    kind: str
    out_trade_no: str
    status_code: int | None
    body: str
    at: datetime


@dataclass
class ExtraLine:
    channel: str
    kind: str
    out_trade_no: str
    amount_fen: int
    day: date
    out_refund_no: str | None = None


@dataclass
class RefundFault:
    """Answer the next `times` refund requests of a channel with an error instead."""

    times: int
    code: str  # WeChat `code`; Alipay `sub_code`
    http_status: int  # WeChat
    gateway_code: str  # Alipay `code`
    # Carry the refund out, then answer with the error (the answer lost on the way back).
    apply: bool = False


@dataclass
class Modes:
    # WeChat refund notification: "after" the API answer, "before" it (out of order), "never".
    wechat_refund_notify: str = "after"
    # Answer every provider API call with 503 (the provider is down).
    down: bool = False


class SandboxState:
    def __init__(self, settings: SandboxSettings, payment: PaymentSettings) -> None:
        self.settings = settings
        self.payment = payment
        keys = dev_keys(settings.key_dir)
        self.merchant_serial = keys["wechat_merchant_serial"]
        self.merchant_public: RSAPublicKey = load_private(
            keys["wechat_merchant_private_key"]
        ).public_key()
        self.platform_serial = keys["wechat_platform_serial"]
        self.platform_key: RSAPrivateKey = load_private(keys["wechat_platform_private_key"])
        self.apiv3_key = keys["wechat_apiv3_key"].encode()
        self.alipay_app_public: RSAPublicKey = load_private(
            keys["alipay_app_private_key"]
        ).public_key()
        self.alipay_key: RSAPrivateKey = load_private(keys["alipay_private_key"])
        # Signs "forged" notifications: right format, wrong key.
        self.forger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.trades: dict[tuple[str, str], Trade] = {}
        self.deliveries: list[Delivery] = []
        self.extra_lines: list[ExtraLine] = []
        self.bill_tokens: dict[str, tuple[str, date]] = {}
        self.modes = Modes()
        self.refund_faults: dict[str, RefundFault] = {}
        self.client = httpx.AsyncClient(timeout=10)
        self._tasks: set[asyncio.Task[Any]] = set()

    def trade(self, channel: str, out_trade_no: str) -> Trade | None:
        return self.trades.get((channel, out_trade_no))

    def take_refund_fault(self, channel: str) -> RefundFault | None:
        """The fault to answer this refund request with, if one is armed (counts it down)."""
        fault = self.refund_faults.get(channel)
        if fault is None or fault.times <= 0:
            return None
        fault.times -= 1
        return fault

    def mark_paid(self, trade: Trade) -> None:
        if trade.paid:
            return
        prefix = "4200" if trade.channel == "wechat" else "2026"
        trade.transaction_id = (
            prefix + datetime.now(CHINA).strftime("%Y%m%d") + secrets.token_hex(7)
        )
        trade.paid_at = datetime.now(UTC).replace(microsecond=0)
        trade.status = "SUCCESS" if trade.channel == "wechat" else "TRADE_SUCCESS"

    async def deliver(
        self,
        *,
        channel: str,
        kind: str,
        out_trade_no: str,
        url: str,
        send: Callable[[], Awaitable[httpx.Response]],
    ) -> int | None:
        try:
            response = await send()
            status, body = response.status_code, response.text[:200]
        except httpx.HTTPError as exc:
            status, body = None, repr(exc)[:200]
        self.deliveries.append(
            Delivery(channel, kind, out_trade_no, status, body, datetime.now(UTC))
        )
        del self.deliveries[:-1000]
        logger.info(
            "notification delivered",
            extra={"channel": channel, "kind": kind, "status": status, "url": url},
        )
        return status

    def later(self, delay_ms: int, work: Callable[[], Awaitable[Any]]) -> None:
        async def run() -> None:
            await asyncio.sleep(delay_ms / 1000)
            await work()

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.client.aclose()
