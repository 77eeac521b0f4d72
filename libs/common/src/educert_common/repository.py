"""The generic base repository: every service's SQL lives in subclasses of this."""

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.http.pagination import Cursor, Page, PageParams

ModelT = TypeVar("ModelT")


class Repository(Generic[ModelT]):
    """CRUD and keyset pagination for one mapped class; a subclass sets `model`.

    Repositories only flush: the scope that opened the transaction commits it.
    """

    model: type[ModelT]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, item_id: Any) -> ModelT | None:
        return await self.session.get(self.model, item_id)

    async def add(self, item: ModelT) -> ModelT:
        self.session.add(item)
        await self.session.flush()
        return item

    async def scalar_one_or_none(self, statement: Select[tuple[ModelT]]) -> ModelT | None:
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def scalars(self, statement: Select[tuple[ModelT]]) -> Sequence[ModelT]:
        return (await self.session.execute(statement)).scalars().all()

    async def paginate(self, statement: Select[tuple[ModelT]], params: PageParams) -> Page[ModelT]:
        """Return one page ordered newest first by (created_at, id), and the cursor after it."""
        created_at = self.model.created_at  # type: ignore[attr-defined]
        item_id = self.model.id  # type: ignore[attr-defined]
        if params.cursor is not None:
            statement = statement.where(
                or_(
                    created_at < params.cursor.created_at,
                    and_(created_at == params.cursor.created_at, item_id < params.cursor.id),
                )
            )
        statement = statement.order_by(created_at.desc(), item_id.desc()).limit(params.limit + 1)
        rows = list(await self.scalars(statement))
        next_cursor = None
        if len(rows) > params.limit:
            rows = rows[: params.limit]
            last = rows[-1]
            next_cursor = Cursor(last.created_at, str(last.id)).encode()  # type: ignore[attr-defined]
        return Page[Any](items=rows, next_cursor=next_cursor)
