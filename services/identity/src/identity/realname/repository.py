"""SQL for the development registry's people."""

from sqlalchemy import select

from educert_common.repository import Repository
from identity.realname.models import RegistryPerson


class RegistryRepository(Repository[RegistryPerson]):
    model = RegistryPerson

    async def find(self, id_type: str, id_number_hash: str) -> RegistryPerson | None:
        return await self.scalar_one_or_none(
            select(RegistryPerson).where(
                RegistryPerson.id_type == id_type, RegistryPerson.id_number_hash == id_number_hash
            )
        )

    async def replace(self, id_type: str, id_number_hash: str, person: RegistryPerson) -> bool:
        """Stage `person` in place of the row for the same document, if any (deleted and
        flushed first: the document is a unique key); True when one was replaced."""
        existing = await self.find(id_type, id_number_hash)
        if existing is not None:
            await self.session.delete(existing)
            await self.session.flush()
        self.session.add(person)
        return existing is not None
