"""All SQL about verified accounts."""

import uuid
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert

from certification.accounts.models import VerifiedAccount
from educert_common.repository import Repository


class AccountRepository(Repository[VerifiedAccount]):
    model = VerifiedAccount

    async def upsert(
        self, *, user_id: uuid.UUID, real_name: str, gender: str, birth_date: object, at: datetime
    ) -> None:
        values = {
            "real_name": real_name,
            "gender": gender,
            "birth_date": birth_date,
            "verified_at": at,
        }
        await self.session.execute(
            insert(VerifiedAccount)
            .values(user_id=user_id, **values)
            .on_conflict_do_update(index_elements=[VerifiedAccount.user_id], set_=values)
        )
