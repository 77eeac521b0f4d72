"""Audit entries: who did what to which object, when, with the state before and after."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from alembic.operations import Operations
from sqlalchemy import Column, Index, MetaData, String, Table, func, insert
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.context import current_request_id
from educert_common.db import UtcDateTime

AUDIT_TABLE = "audit_entries"


def _columns() -> list[Column[Any]]:
    return [
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("occurred_at", UtcDateTime, nullable=False, server_default=func.now()),
        # A user id, "system", or "partner:<key prefix>".
        Column("actor", String(100), nullable=False),
        Column("action", String(100), nullable=False),
        Column("subject_type", String(60), nullable=False),
        Column("subject_id", String(100), nullable=False),
        Column("before", JSONB, nullable=True),
        Column("after", JSONB, nullable=True),
        Column("request_id", String(128), nullable=True),
    ]


@dataclass(frozen=True)
class AuditLog:
    table: Table

    @classmethod
    def define(cls, metadata: MetaData) -> "AuditLog":
        table = Table(AUDIT_TABLE, metadata, *_columns())
        Index("ix_audit_entries_subject", table.c.subject_type, table.c.subject_id)
        return cls(table)

    async def record(
        self,
        session: AsyncSession,
        *,
        actor: str,
        action: str,
        subject_type: str,
        subject_id: str,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
    ) -> None:
        """Write one entry in the caller's transaction (never personal data in clear)."""
        await session.execute(
            insert(self.table).values(
                id=uuid.uuid4(),
                actor=actor,
                action=action,
                subject_type=subject_type,
                subject_id=subject_id,
                before=dict(before) if before is not None else None,
                after=dict(after) if after is not None else None,
                request_id=current_request_id(),
            )
        )


def create_audit_table(op: Operations) -> None:
    op.create_table(AUDIT_TABLE, *_columns())
    op.create_index("ix_audit_entries_subject", AUDIT_TABLE, ["subject_type", "subject_id"])


def drop_audit_table(op: Operations) -> None:
    op.drop_table(AUDIT_TABLE)
