"""The declarative base, messaging tables and audit log shared by notification's sub-packages
(their models import `Base` from here; `notification.models` gathers every table), and the
names of channels and locales every sub-package speaks."""

from enum import StrEnum

from sqlalchemy.orm import DeclarativeBase

from educert_common.audit import AuditLog
from educert_common.db import service_metadata
from educert_common.events.tables import MessagingTables


class Base(DeclarativeBase):
    metadata = service_metadata()


messaging = MessagingTables.define(Base.metadata)
audit = AuditLog.define(Base.metadata)


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    INBOX = "inbox"


CHANNELS = tuple(c.value for c in Channel)
LOCALES = ("zh", "en")
