"""The declarative base, messaging tables and audit log shared by identity's sub-packages."""

from sqlalchemy.orm import DeclarativeBase

from educert_common.audit import AuditLog
from educert_common.db import service_metadata
from educert_common.events.tables import MessagingTables


class Base(DeclarativeBase):
    metadata = service_metadata()


messaging = MessagingTables.define(Base.metadata)
audit_log = AuditLog.define(Base.metadata)
