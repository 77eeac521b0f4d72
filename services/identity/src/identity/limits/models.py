"""The counted-limits table: one row per counted action."""

import uuid
from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from identity.base import Base


class RateEvent(Base):
    """One counted action: `kind` (registration, appeal, realname_account, realname_ip)
    and `key` (a client address or an account id)."""

    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_kind_key_created", "kind", "key", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
