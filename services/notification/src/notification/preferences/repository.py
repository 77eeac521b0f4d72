"""Every query about users' notification preferences."""

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from educert_common.db import utcnow
from educert_common.repository import Repository
from notification.preferences.models import Preference


class PreferenceRepository(Repository[Preference]):
    model = Preference

    async def is_muted(self, user_id: uuid.UUID) -> bool:
        muted = await self.session.scalar(
            select(Preference.mute_non_essential).where(Preference.user_id == user_id)
        )
        return bool(muted)

    async def put(self, user_id: uuid.UUID, *, mute_non_essential: bool) -> Preference:
        statement = insert(Preference).values(
            user_id=user_id, mute_non_essential=mute_non_essential, updated_at=utcnow()
        )
        row = await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[Preference.user_id],
                set_={
                    "mute_non_essential": statement.excluded.mute_non_essential,
                    "updated_at": statement.excluded.updated_at,
                },
            ).returning(Preference)
        )
        return row.scalar_one()
