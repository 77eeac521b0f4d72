"""The declarative base, messaging tables, idempotency store, audit log and counted limits
shared by the certification service's sub-packages (their models import `Base` from here;
`certification.models` gathers every table for Alembic)."""

from sqlalchemy.orm import DeclarativeBase

from educert_common.audit import AuditLog
from educert_common.db import service_metadata
from educert_common.events.tables import MessagingTables
from educert_common.idempotency import IdempotencyStore
from educert_common.limits import RateLimits


class Base(DeclarativeBase):
    metadata = service_metadata()


messaging = MessagingTables.define(Base.metadata)
idempotency = IdempotencyStore.define(Base.metadata)
audit = AuditLog.define(Base.metadata)
limits = RateLimits.define(Base.metadata)
