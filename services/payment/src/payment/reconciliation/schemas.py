"""Request and response models of reconciliation."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: date
    channel: Literal["wechat", "alipay"]


class MismatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    # refund_over_paid: a refund marked failed that the provider reports made, with no room
    # left to reserve it again (recorded by the refund notification, in an "alert" run)
    kind: Literal["missing_here", "missing_at_provider", "amount_mismatch", "refund_over_paid"]
    entry: Literal["payment", "refund"]
    out_trade_no: str
    out_refund_no: str | None
    provider_amount_fen: int | None
    our_amount_fen: int | None


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    day: date
    channel: Literal["wechat", "alipay"]
    status: Literal["completed", "failed", "alert"]
    provider_lines: int
    matched: int
    mismatch_count: int
    error: str | None
    created_at: datetime


class RunDetail(RunOut):
    mismatches: list[MismatchOut]
