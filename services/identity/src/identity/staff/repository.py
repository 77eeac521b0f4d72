"""SQL of the operator bootstrap: is there an admin yet, one bootstrap at a time."""

from sqlalchemy import String, func, select
from sqlalchemy.dialects.postgresql import array

from educert_common.repository import Repository
from identity.accounts.models import AccountStatus, Role, User


class StaffRepository(Repository[User]):
    model = User

    async def lock_bootstrap(self) -> None:
        """Serialise bootstraps (two Jobs started at once create one admin, not two)."""
        await self.session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended("identity:bootstrap", 0)))
        )

    async def count_active_admins(self) -> int:
        statement = select(func.count()).where(
            User.roles.op("?|")(array([Role.ADMIN.value], type_=String)),
            User.status == AccountStatus.ACTIVE,
        )
        return int(await self.session.scalar(statement) or 0)
