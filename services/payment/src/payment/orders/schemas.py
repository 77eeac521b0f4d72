"""Request and response models of orders, payments and proxy payment."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Purpose = Literal["certification", "photo_check", "report", "courier"]
ChannelName = Literal["wechat", "alipay"]
# Reference ids are other services' ids (UUIDs, numbers): plain characters only.
REFERENCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrderCreate(StrictModel):
    """What an applicant may set: what to pay for. The amount comes from the fee table."""

    purpose: Purpose
    reference_id: str = Field(min_length=1, max_length=100, pattern=REFERENCE_PATTERN)


class InternalOrderCreate(OrderCreate):
    user_id: uuid.UUID
    # Shown masked (张**) on the proxy-pay page; never stored in clear.
    holder_name: str | None = Field(default=None, min_length=1, max_length=100)


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    purpose: Purpose
    reference_id: str
    amount_fen: int
    status: Literal["created", "paid", "expired", "closed"]
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    paid_channel: ChannelName | None
    refunded_fen: int
    receipt_code: str | None


class PaymentStart(StrictModel):
    channel: ChannelName


class PaymentStarted(BaseModel):
    order_id: uuid.UUID
    channel: ChannelName
    # What the payer scans (WeChat `code_url`, Alipay `qr_code`).
    code_url: str
    amount_fen: int
    expires_at: datetime


class ProxyLink(BaseModel):
    token: str
    url: str
    expires_at: datetime


class ProxyOrderView(BaseModel):
    """What anyone holding the link sees: no personal data beyond a masked name."""

    purpose: Purpose
    purpose_label: str
    amount_fen: int
    amount_yuan: str
    holder: str | None
    status: Literal["created", "paid", "expired", "closed"]
    expires_at: datetime
    channels: list[ChannelName]
    receipt_available: bool


class FeeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    purpose: Purpose
    amount_fen: int
    updated_at: datetime


class FeeUpdate(StrictModel):
    amount_fen: int = Field(gt=0, le=100_000_00, strict=True)


class ReceiptVerification(BaseModel):
    """The receipt's non-personal facts, for whoever holds its verification code."""

    code: str
    purpose: Purpose
    purpose_label: str
    amount_fen: int
    channel: ChannelName
    paid_at: datetime
    refunded_fen: int
    status: Literal["valid", "partly_refunded", "refunded"]
