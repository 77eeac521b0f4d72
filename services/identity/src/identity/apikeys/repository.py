"""Every query about partner API keys."""

import uuid

from sqlalchemy import Select, select

from educert_common.repository import Repository
from identity.apikeys.models import ApiKey


class ApiKeyRepository(Repository[ApiKey]):
    model = ApiKey

    async def by_prefix(self, prefix: str) -> ApiKey | None:
        return await self.scalar_one_or_none(select(ApiKey).where(ApiKey.prefix == prefix))

    async def for_update(self, key_id: uuid.UUID) -> ApiKey | None:
        return await self.scalar_one_or_none(
            select(ApiKey).where(ApiKey.id == key_id).with_for_update()
        )

    def listing(self, institution_id: str | None) -> Select[tuple[ApiKey]]:
        statement = select(ApiKey)
        if institution_id is not None:
            statement = statement.where(ApiKey.institution_id == institution_id)
        return statement
