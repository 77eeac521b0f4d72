"""Every query about duplicate-ID appeals."""

import uuid

from sqlalchemy import Select, select

from educert_common.repository import Repository
from identity.appeals.models import Appeal


class AppealRepository(Repository[Appeal]):
    model = Appeal

    async def for_update(self, appeal_id: uuid.UUID) -> Appeal | None:
        return await self.scalar_one_or_none(
            select(Appeal).where(Appeal.id == appeal_id).with_for_update()
        )

    def of_user(self, user_id: uuid.UUID) -> Select[tuple[Appeal]]:
        return select(Appeal).where(Appeal.user_id == user_id)

    def listing(self, status: str | None) -> Select[tuple[Appeal]]:
        statement = select(Appeal)
        if status is not None:
            statement = statement.where(Appeal.status == status)
        return statement
