"""`Idempotency-Key`: the first response for a key is stored and replayed; the same key with
different parameters is refused.

Concurrent requests with one key are serialised by the key's unique index: the second waits
for the first transaction and then replays what it stored (or proceeds if it rolled back).
"""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from alembic.operations import Operations
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import UtcDateTime
from educert_common.errors import FieldError, Text, ValidationFailed

IDEMPOTENCY_TABLE = "idempotency_keys"
MAX_KEY_LENGTH = 200


def _columns() -> list[Column[Any]]:
    return [
        Column("owner", String(100), primary_key=True),
        Column("key", String(MAX_KEY_LENGTH), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer, nullable=True),
        Column("response", JSONB, nullable=True),
        Column("created_at", UtcDateTime, nullable=False, server_default=func.now()),
    ]


def fingerprint(operation: str, payload: Mapping[str, Any] | None) -> str:
    """A stable hash of what a request asks for (operation and its parameters)."""
    canonical = json.dumps([operation, payload], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyKeyReused(ValidationFailed):
    code = "idempotency_key_reused"
    title = Text("This Idempotency-Key was used for a different request", "该幂等键已用于另一请求")


@dataclass
class IdempotentSlot:
    """What a handler gets: a stored response to replay, or the duty to store one."""

    table: Table
    owner: str
    key: str
    replay_status: int | None = None
    replay_body: Any = None
    _session: AsyncSession | None = field(default=None, repr=False)

    @property
    def is_replay(self) -> bool:
        return self.replay_status is not None

    async def store(self, status_code: int, body: Any) -> None:
        """Remember the response, in the same transaction as the work it describes."""
        assert self._session is not None
        await self._session.execute(
            update(self.table)
            .where(self.table.c.owner == self.owner, self.table.c.key == self.key)
            .values(status_code=status_code, response=body)
        )


@dataclass(frozen=True)
class IdempotencyStore:
    table: Table

    @classmethod
    def define(cls, metadata: MetaData) -> "IdempotencyStore":
        return cls(Table(IDEMPOTENCY_TABLE, metadata, *_columns()))

    async def claim(
        self, session: AsyncSession, *, owner: str, key: str, request_fingerprint: str
    ) -> IdempotentSlot:
        """Claim `key` for `owner` in this transaction, or return the response stored for it."""
        if not key or len(key) > MAX_KEY_LENGTH:
            message = Text(
                f"Idempotency-Key must have 1 to {MAX_KEY_LENGTH} characters",
                f"幂等键长度须为 1 到 {MAX_KEY_LENGTH} 个字符",
            )
            raise ValidationFailed(
                message, errors=[FieldError("header.idempotency-key", "invalid", message)]
            )
        claimed = await session.execute(
            insert(self.table)
            .values(owner=owner, key=key, fingerprint=request_fingerprint)
            .on_conflict_do_nothing()
            .returning(self.table.c.key)
        )
        slot = IdempotentSlot(self.table, owner, key, _session=session)
        if claimed.first() is not None:
            return slot
        stored = (
            await session.execute(
                select(self.table).where(self.table.c.owner == owner, self.table.c.key == key)
            )
        ).one()
        if stored.fingerprint != request_fingerprint:
            message = Text(
                "This Idempotency-Key was used with other parameters",
                "该幂等键已用于不同参数的请求",
            )
            raise IdempotencyKeyReused(
                message, errors=[FieldError("header.idempotency-key", "reused", message)]
            )
        slot.replay_status = stored.status_code
        slot.replay_body = stored.response
        return slot


def create_idempotency_table(op: Operations) -> None:
    op.create_table(IDEMPOTENCY_TABLE, *_columns())


def drop_idempotency_table(op: Operations) -> None:
    op.drop_table(IDEMPOTENCY_TABLE)
