"""The routes table: which template and channels an event type goes out through."""

from datetime import datetime

from sqlalchemy import ARRAY, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from educert_common.db import UtcDateTime, utcnow
from notification.base import Base


class Route(Base):
    """Routing is data: which template and channels an event type goes out through."""

    __tablename__ = "routes"

    event_type: Mapped[str] = mapped_column(String(120), primary_key=True)
    template_key: Mapped[str] = mapped_column(String(80))
    channels: Mapped[list[str]] = mapped_column(ARRAY(String(8)))
    # Essential messages (codes, security notices) ignore the user's mute preference.
    essential: Mapped[bool] = mapped_column(Boolean, default=False)
    # Subject to the per-destination send limits (codes).
    rate_limited: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
