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
