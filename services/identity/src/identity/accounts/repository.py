"""SQL for accounts."""

import uuid

from sqlalchemy import Select, String, func, select
from sqlalchemy.dialects.postgresql import array

from educert_common.repository import Repository
from identity.accounts.models import User


class UserRepository(Repository[User]):
    model = User

    async def get_for_update(self, user_id: uuid.UUID) -> User | None:
        return await self.scalar_one_or_none(
            select(User).where(User.id == user_id).with_for_update()
        )

    async def by_email(self, email: str) -> User | None:
        return await self.scalar_one_or_none(select(User).where(User.email == email))

    async def by_mobile(self, mobile: str) -> User | None:
        return await self.scalar_one_or_none(select(User).where(User.mobile == mobile))

    async def by_username(self, username: str) -> User | None:
        return await self.scalar_one_or_none(select(User).where(User.username == username))

    async def id_holder(self, id_number_hash: str) -> User | None:
        """The account that holds this ID number (at most one, by a partial unique index)."""
        return await self.scalar_one_or_none(
            select(User).where(User.id_number_hash == id_number_hash, User.id_holder.is_(True))
        )

    async def lock_id_number(self, id_number_hash: str) -> None:
        """Serialise registrations of one ID number (transaction-scoped advisory lock)."""
        await self.session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(f"id:{id_number_hash}", 0)))
        )

    def staff_query(self, institution_id: str | None) -> Select[tuple[User]]:
        """Staff accounts (any role but applicant), optionally of one institution."""
        statement = select(User).where(
            User.roles.op("?|")(
                array(["institution_staff", "reviewer", "operator", "admin"], type_=String)
            )
        )
        if institution_id is not None:
            statement = statement.where(User.institution_id == institution_id)
        return statement
