"""Response models of the inbox."""

import uuid
from datetime import datetime

from pydantic import BaseModel

from notification.schemas import ResponseModel


class InboxItemOut(ResponseModel):
    id: uuid.UUID
    event_type: str
    title: str
    body: str
    read_at: datetime | None
    created_at: datetime


class UnreadCount(BaseModel):
    unread: int


class MarkedRead(BaseModel):
    marked: int
