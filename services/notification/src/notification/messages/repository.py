"""Writing a message with everything that goes with it, in one statement."""

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, inspect, literal, select
from sqlalchemy.dialects.postgresql import JSONB, insert

from educert_common.db import utcnow
from educert_common.repository import Repository
from notification.base import Base, messaging
from notification.deliveries.models import Delivery
from notification.inbox.models import InboxItem
from notification.messages.models import Message


def _column_values(row: Any, now: datetime) -> dict[str, Any]:
    """Every column of a (transient) mapped object, with the timestamps the ORM would default."""
    values: dict[str, Any] = {}
    for attribute in inspect(type(row)).column_attrs:
        value = getattr(row, attribute.key)
        if value is None and attribute.key in ("created_at", "updated_at"):
            value = now
        values[attribute.columns[0].key] = value
    return values


@functools.lru_cache(maxsize=64)
def _write_statement(shape: tuple[tuple[str, tuple[str, ...]], ...]) -> Any:
    """One data-modifying CTE per row, `shape` naming each row's table and columns; the values
    are bound as p<row>_<column>. Built once per shape, so only parameters change per call."""
    parts = []
    for n, (name, columns) in enumerate(shape):
        table = Base.metadata.tables[name]
        values = {}
        for column in columns:
            type_ = table.c[column].type
            if isinstance(type_, JSONB):
                type_ = JSONB(none_as_null=True)  # None is SQL NULL, not JSON 'null'
            values[column] = bindparam(f"p{n}_{column}", type_=type_)
        parts.append(insert(table).values(values).cte(f"new_{n}"))
    return select(literal(1)).add_cte(*parts)


class MessageRepository(Repository[Message]):
    model = Message

    async def write(
        self,
        message: Message,
        deliveries: Sequence[Delivery],
        inbox_items: Sequence[InboxItem],
        outbox_rows: Sequence[dict[str, Any]],
    ) -> None:
        """Insert a message, its deliveries and inbox items and outbox rows in one statement.

        Data-modifying CTEs run as one statement; the foreign keys to the message are checked
        at its end, when the message row is there.
        """
        now = utcnow()
        rows = [
            ("messages", _column_values(message, now)),
            *(("deliveries", _column_values(d, now)) for d in deliveries),
            *(("inbox_items", _column_values(i, now)) for i in inbox_items),
            *((messaging.outbox.name, dict(row)) for row in outbox_rows),
        ]
        statement = _write_statement(tuple((name, tuple(values)) for name, values in rows))
        params = {
            f"p{n}_{column}": value
            for n, (_, values) in enumerate(rows)
            for column, value in values.items()
        }
        await self.session.execute(statement, params)
