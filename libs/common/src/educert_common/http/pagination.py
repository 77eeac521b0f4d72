"""Cursor pagination: opaque cursors over (created_at, id), stable under inserts."""

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from educert_common.errors import FieldError, Text, ValidationFailed

T = TypeVar("T")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def cursor_invalid() -> ValidationFailed:
    """The refusal of a cursor this API did not return (query parameter `cursor`)."""
    return ValidationFailed(
        errors=[
            FieldError(
                "query.cursor",
                "cursor_invalid",
                Text("The cursor is not one this API returned", "分页游标无效"),
            )
        ]
    )


@dataclass(frozen=True, slots=True)
class Cursor:
    """Position after the last item returned: its sort time and id."""

    created_at: datetime
    id: str

    def encode(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), self.id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> "Cursor":
        try:
            padded = value + "=" * (-len(value) % 4)
            created_at, item_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
            return cls(datetime.fromisoformat(created_at), str(item_id))
        except (ValueError, TypeError, json.JSONDecodeError) as exc:
            raise cursor_invalid() from exc


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int
    cursor: Cursor | None


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> PageParams:
    """Read `limit` and `cursor` from the query string."""
    return PageParams(limit=limit, cursor=Cursor.decode(cursor) if cursor else None)
