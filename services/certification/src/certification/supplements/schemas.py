"""What the supplement routes take and answer."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from certification.materials.schemas import MaterialVersionOut

Mode = Literal["add_file", "reupload_file", "paper"]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ItemIn(StrictModel):
    # add_file: a new file in `slot`; reupload_file: a new version of `material_id` (a file
    # of `slot`); paper: the original of `slot` sent by courier.
    mode: Mode
    slot: str = Field(min_length=1, max_length=64)
    material_id: uuid.UUID | None = None
    message: str = Field(min_length=1, max_length=1000)


class RequestIn(StrictModel):
    items: list[ItemIn] = Field(min_length=1, max_length=20)
    message: str = Field(default="", max_length=2000)


class PaperAnswer(StrictModel):
    # One of GET /supplements/couriers (sf, ems, jd, zto, yto, sto, yunda, dhl, ups, fedex).
    courier_company: str = Field(min_length=1, max_length=20)
    tracking_number: str = Field(min_length=1, max_length=40)


class ItemOut(BaseModel):
    id: uuid.UUID
    position: int
    mode: Mode
    slot: str
    material_id: uuid.UUID | None
    message: str
    answered: bool
    answered_at: datetime | None
    courier_company: str | None
    tracking_number: str | None
    # The uploads that answered it (add_file, reupload_file), oldest first.
    uploads: list[MaterialVersionOut]


class RequestOut(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    message: str
    requested_at: datetime
    # "reviewer" to the applicant, the reviewer's subject to reviewers.
    requested_by: str
    open: bool
    resubmitted_at: datetime | None
    items: list[ItemOut]


class CourierOut(BaseModel):
    code: str
    name: dict[str, str]
    example: str
