"""All SQL about photo checks and the records a student may check (their own, bound ones)."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from educert_common.repository import Repository
from records.academic.models import MODELS, RecordModel
from records.academic.rules import RecordKind
from records.photochecks.models import PhotoCheck


class PhotoCheckRepository(Repository[PhotoCheck]):
    model = PhotoCheck

    async def owned_record(
        self, kind: RecordKind, record_id: uuid.UUID, owner_id: uuid.UUID, *, lock: bool = False
    ) -> RecordModel | None:
        """A record bound to `owner_id`; anyone else's (or an unbound one) is not found."""
        model: Any = MODELS[kind.value]
        statement = select(model).where(model.id == record_id, model.owner_id == owner_id)
        if lock:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def of_record(
        self, kind: RecordKind, record_id: uuid.UUID, *, lock: bool = False
    ) -> PhotoCheck | None:
        statement = select(PhotoCheck).where(
            PhotoCheck.kind == kind.value, PhotoCheck.record_id == record_id
        )
        if lock:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return await self.scalar_one_or_none(statement)

    async def lock_due(self, check_id: uuid.UUID, now: datetime) -> PhotoCheck | None:
        """The check, locked, if it is still due; None if concluded or another worker has it."""
        statement = (
            select(PhotoCheck)
            .where(
                PhotoCheck.id == check_id,
                PhotoCheck.concluded_at.is_(None),
                PhotoCheck.effective_at <= now,
            )
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        return await self.scalar_one_or_none(statement)

    async def due_ids(self, now: datetime, limit: int) -> Sequence[uuid.UUID]:
        statement = (
            select(PhotoCheck.id)
            .where(PhotoCheck.concluded_at.is_(None), PhotoCheck.effective_at <= now)
            .order_by(PhotoCheck.effective_at)
            .limit(limit)
        )
        return list((await self.session.execute(statement)).scalars())
