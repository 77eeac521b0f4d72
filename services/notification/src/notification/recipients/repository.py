"""Every query about recipients (contacts identity announced)."""

from typing import Any

from sqlalchemy.dialects.postgresql import insert

from educert_common.db import utcnow
from educert_common.repository import Repository
from notification.recipients.models import Recipient


class RecipientRepository(Repository[Recipient]):
    model = Recipient

    async def upsert(self, values: dict[str, Any]) -> None:
        """Insert or update contacts, unless what is stored is newer than `contacts_as_of`."""
        statement = insert(Recipient).values(**values, updated_at=utcnow())
        excluded = statement.excluded
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[Recipient.user_id],
                set_={
                    name: getattr(excluded, name)
                    for name in (*values.keys(), "updated_at")
                    if name != "user_id"
                },
                where=Recipient.contacts_as_of <= excluded.contacts_as_of,
            )
        )
