"""What every provider adapter offers, in the payment service's own terms (fen, UTC)."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Literal, Protocol

from fastapi import Response

Channel = Literal["wechat", "alipay"]
CHANNELS: tuple[Channel, ...] = ("wechat", "alipay")
# China keeps no daylight saving time: a fixed offset is exact (and needs no tzdata).
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


_YUAN = re.compile(r"\d{1,10}(\.\d{1,2})?")


class ProviderError(Exception):
    """No definite answer: the provider could not be reached, answered with a server error, a
    rate limit or one of its documented "system busy, call again with the same parameters"
    codes, or with something that could not be verified. Try again later; the outcome of a
    call that changes money (a refund) is unknown until the provider is asked about it."""


class ProviderRejected(ProviderError):
    """The provider refused the request for good (`code` is its own error code)."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class InvalidNotification(Exception):
    """A callback that failed verification; nothing in it may be trusted or acted on."""


TradeStatus = Literal["paid", "pending", "closed", "failed", "not_found"]
RefundStatus = Literal["succeeded", "processing", "failed"]
# What a refund query can also say: the provider has no such refund.
RefundQueryStatus = Literal["succeeded", "processing", "failed", "not_found"]


@dataclass(frozen=True)
class StartedPayment:
    code_url: str


@dataclass(frozen=True)
class TradeState:
    out_trade_no: str
    status: TradeStatus
    transaction_id: str | None = None
    amount_fen: int | None = None
    paid_at: datetime | None = None


@dataclass(frozen=True)
class PaymentNotice:
    """A verified payment notification (or a query result treated like one)."""

    out_trade_no: str
    transaction_id: str
    amount_fen: int
    paid_at: datetime
    # Anything but "paid" is acknowledged and only logged.
    status: Literal["paid", "closed", "other"]
    raw_status: str


@dataclass(frozen=True)
class RefundNotice:
    out_trade_no: str
    out_refund_no: str
    provider_refund_id: str | None
    status: RefundStatus
    amount_fen: int


@dataclass(frozen=True)
class RefundResult:
    status: RefundQueryStatus
    provider_refund_id: str | None = None


@dataclass(frozen=True)
class StatementLine:
    kind: Literal["payment", "refund"]
    out_trade_no: str
    transaction_id: str
    amount_fen: int
    occurred_at: datetime
    out_refund_no: str | None = None


class PaymentProvider(Protocol):
    channel: Channel

    async def start_payment(
        self, *, out_trade_no: str, amount_fen: int, description: str, expires_at: datetime
    ) -> StartedPayment: ...

    async def query_payment(self, out_trade_no: str) -> TradeState: ...

    async def close_payment(self, out_trade_no: str) -> None: ...

    async def refund(
        self, *, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int, reason: str
    ) -> RefundResult: ...

    async def query_refund(self, *, out_trade_no: str, out_refund_no: str) -> RefundResult: ...

    async def statement(self, day: date) -> list[StatementLine]: ...

    def verify_notification(
        self, headers: dict[str, str], body: bytes, *, now: datetime | None = None
    ) -> PaymentNotice | RefundNotice: ...

    def acknowledge(self) -> Response: ...

    def refuse(self, message: str, status: int = 400) -> Response: ...

    async def aclose(self) -> None: ...


def yuan_to_fen(value: str) -> int:
    """Convert an Alipay amount ("360.00") to fen exactly; refuse anything not a plain yuan
    amount with at most two decimals (no exponents, signs or more digits than money needs)."""
    if not isinstance(value, str) or not _YUAN.fullmatch(value):
        raise ValueError(f"not an amount: {value!r}")
    return int(Decimal(value) * 100)


def fen_to_yuan(fen: int) -> str:
    """360 00 fen -> "360.00" (exact, never through float)."""
    if fen < 0:
        raise ValueError("negative amount")
    return f"{fen // 100}.{fen % 100:02d}"


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
