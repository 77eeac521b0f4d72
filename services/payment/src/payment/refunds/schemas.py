"""Request and response models of refunds."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RefundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # Absent: everything still refundable (a full refund).
    amount_fen: int | None = Field(default=None, gt=0, le=100_000_00, strict=True)
    reason: str = Field(min_length=1, max_length=200)


class RefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    order_id: uuid.UUID
    channel: Literal["wechat", "alipay"]
    amount_fen: int
    status: Literal["requested", "processing", "unknown", "succeeded", "failed"]
    kind: Literal["operator", "withdrawal", "late_payment", "duplicate_payment"]
    reason: str
    created_at: datetime
    completed_at: datetime | None
