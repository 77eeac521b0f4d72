"""All SQL about institutions."""

from sqlalchemy import Select, select

from educert_common.repository import Repository
from records.institutions.models import Institution


class InstitutionRepository(Repository[Institution]):
    model = Institution

    def listing(
        self,
        *,
        province: str | None = None,
        kind: str | None = None,
        status: str | None = None,
        name: str | None = None,
    ) -> Select[tuple[Institution]]:
        statement = select(Institution)
        if province is not None:
            statement = statement.where(Institution.province == province)
        if kind is not None:
            statement = statement.where(Institution.kind == kind)
        if status is not None:
            statement = statement.where(Institution.status == status)
        if name:
            pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            statement = statement.where(
                Institution.name_zh.ilike(pattern) | Institution.name_en.ilike(pattern)
            )
        return statement

    async def lock(self, institution_id: str) -> Institution | None:
        return await self.scalar_one_or_none(
            select(Institution).where(Institution.id == institution_id).with_for_update()
        )
