"""The declarative base, messaging tables, audit log and counted limits shared by identity's
sub-packages (their models import `Base` from here; `identity.models` gathers every table)."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from educert_common.audit import AuditLog
from educert_common.db import service_metadata
from educert_common.events.tables import MessagingTables
from educert_common.limits import RateLimits


class Base(DeclarativeBase):
    metadata = service_metadata()


messaging = MessagingTables.define(Base.metadata)
audit_log = AuditLog.define(Base.metadata)
# Registrations, appeals, real-name checks, captchas: counted in `rate_events`.
rate_limits = RateLimits.define(Base.metadata)


def jsonable(value: Any) -> Any:
    """Dates and UUIDs in audit entries as strings."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


async def audit(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Write an audit entry in the caller's transaction (masked values only, never raw IDs)."""
    await audit_log.record(
        session,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
    )
