"""Response models of captured mail."""

import uuid
from datetime import datetime

from notification.schemas import ResponseModel


class CapturedMailOut(ResponseModel):
    id: uuid.UUID
    mail_from: str
    recipients: list[str]
    subject: str | None
    message_id: str | None
    created_at: datetime


class CapturedMailDetail(CapturedMailOut):
    headers: dict[str, str]
    text: str | None
    html: str | None
