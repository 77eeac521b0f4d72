"""All SQL about photo upload attempts."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from educert_common.repository import Repository
from records.photos.models import APPROVED, OPEN_STATES, PAID, REGISTRY_CHECKING, PhotoAttempt


class PhotoAttemptRepository(Repository[PhotoAttempt]):
    model = PhotoAttempt

    async def by_id(self, attempt_id: uuid.UUID, *, lock: bool = False) -> PhotoAttempt | None:
        statement = select(PhotoAttempt).where(PhotoAttempt.id == attempt_id)
        if lock:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return await self.scalar_one_or_none(statement)

    async def owned(
        self, attempt_id: uuid.UUID, user_id: uuid.UUID, *, lock: bool = False
    ) -> PhotoAttempt | None:
        """The student's own attempt; another student's is not found."""
        statement = select(PhotoAttempt).where(
            PhotoAttempt.id == attempt_id, PhotoAttempt.user_id == user_id
        )
        if lock:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return await self.scalar_one_or_none(statement)

    async def of_institution(
        self, attempt_id: uuid.UUID, institution_id: str | None, *, lock: bool = False
    ) -> PhotoAttempt | None:
        """An attempt on a record of the institution (None: any, for operators)."""
        statement = select(PhotoAttempt).where(PhotoAttempt.id == attempt_id)
        if institution_id is not None:
            statement = statement.where(PhotoAttempt.institution_id == institution_id)
        if lock:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return await self.scalar_one_or_none(statement)

    async def open_of_record(self, kind: str, record_id: uuid.UUID) -> PhotoAttempt | None:
        statement = select(PhotoAttempt).where(
            PhotoAttempt.kind == kind,
            PhotoAttempt.record_id == record_id,
            PhotoAttempt.status.in_(OPEN_STATES),
        )
        return await self.scalar_one_or_none(statement)

    async def approved_since(self, kind: str, record_id: uuid.UUID, since: datetime) -> bool:
        """Whether an attempt for the record was approved after `since`."""
        statement = select(PhotoAttempt.id).where(
            PhotoAttempt.kind == kind,
            PhotoAttempt.record_id == record_id,
            PhotoAttempt.status == APPROVED,
            PhotoAttempt.reviewed_at > since,
        )
        return (await self.session.execute(statement.limit(1))).first() is not None

    def of_user(self, user_id: uuid.UUID) -> Select[Any]:
        return select(PhotoAttempt).where(PhotoAttempt.user_id == user_id)

    def queue(
        self, institution_id: str | None, *, status: str | None, kind: str | None
    ) -> Select[Any]:
        statement = select(PhotoAttempt)
        if institution_id is not None:
            statement = statement.where(PhotoAttempt.institution_id == institution_id)
        if status is not None:
            statement = statement.where(PhotoAttempt.status == status)
        if kind is not None:
            statement = statement.where(PhotoAttempt.kind == kind)
        return statement

    async def registry_due_ids(self, now: datetime, limit: int) -> Sequence[uuid.UUID]:
        statement = (
            select(PhotoAttempt.id)
            .where(
                PhotoAttempt.status.in_((PAID, REGISTRY_CHECKING)),
                PhotoAttempt.registry_due_at <= now,
            )
            .order_by(PhotoAttempt.registry_due_at)
            .limit(limit)
        )
        return list((await self.session.execute(statement)).scalars())

    async def lock_registry_due(self, attempt_id: uuid.UUID, now: datetime) -> PhotoAttempt | None:
        """The attempt, locked, if its registry check is still due; None if another worker has
        it or it moved on."""
        statement = (
            select(PhotoAttempt)
            .where(
                PhotoAttempt.id == attempt_id,
                PhotoAttempt.status.in_((PAID, REGISTRY_CHECKING)),
                PhotoAttempt.registry_due_at <= now,
            )
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        return await self.scalar_one_or_none(statement)
