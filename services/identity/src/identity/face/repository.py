"""All SQL of face verification."""

import uuid

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from educert_common.db import utcnow
from educert_common.repository import Repository
from identity.face.models import FaceCallbackNonce, FaceSession


class FaceSessionRepository(Repository[FaceSession]):
    model = FaceSession

    async def owned(self, session_id: uuid.UUID, user_id: uuid.UUID) -> FaceSession | None:
        return await self.scalar_one_or_none(
            select(FaceSession).where(FaceSession.id == session_id, FaceSession.user_id == user_id)
        )

    async def for_update(self, session_id: uuid.UUID) -> FaceSession | None:
        return await self.scalar_one_or_none(
            select(FaceSession).where(FaceSession.id == session_id).with_for_update()
        )

    async def latest_passed(self, user_id: uuid.UUID) -> FaceSession | None:
        return await self.scalar_one_or_none(
            select(FaceSession)
            .where(FaceSession.user_id == user_id, FaceSession.status == "passed")
            .order_by(FaceSession.completed_at.desc())
            .limit(1)
        )

    async def expire_overdue(self) -> int:
        result = await self.session.execute(
            update(FaceSession)
            .where(FaceSession.status == "pending", FaceSession.expires_at <= utcnow())
            .values(status="expired")
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def remember_nonce(self, nonce: str) -> bool:
        """Record a callback nonce; False if it was seen before (a replay)."""
        result = await self.session.execute(
            pg_insert(FaceCallbackNonce)
            .values(nonce=nonce, received_at=utcnow())
            .on_conflict_do_nothing()
            .returning(FaceCallbackNonce.nonce)
        )
        return result.scalar_one_or_none() is not None
