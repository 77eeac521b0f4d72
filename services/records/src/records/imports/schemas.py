"""Request and response models of import jobs."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel


class ImportMode(StrEnum):
    # Any refused row: nothing is merged and the job is `rejected` with its error report.
    ALL_OR_NOTHING = "all_or_nothing"
    # Valid rows are merged; refused ones are in the error report.
    ACCEPT_VALID = "accept_valid"


JobStatus = Literal["queued", "validating", "merging", "completed", "rejected", "failed"]


class ImportJobOut(BaseModel):
    id: uuid.UUID
    institution_id: str | None
    kind: str
    mode: ImportMode
    status: JobStatus
    file_format: str
    encoding: str | None
    size_bytes: int
    sha256: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    records_created: int
    records_changed: int
    records_unchanged: int
    attempts: int
    failure_code: str | None
    failure_message: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RowErrorOut(BaseModel):
    id: int
    row: int
    field: str
    code: str
    message: str
    message_zh: str


class RowErrorPage(BaseModel):
    items: list[RowErrorOut]
    # Pass as `after` for the next page; None at the end.
    next_after: int | None = None
    total: int
