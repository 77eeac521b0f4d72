"""All SQL about decisions and the managed refusal reasons."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from certification.decisions.models import ApplicationDecision, RefusalReason
from educert_common.repository import Repository


class RefusalReasonRepository(Repository[RefusalReason]):
    model = RefusalReason

    async def listed(self, *, include_inactive: bool) -> Sequence[RefusalReason]:
        statement = select(RefusalReason).order_by(RefusalReason.created_at, RefusalReason.code)
        if not include_inactive:
            statement = statement.where(RefusalReason.active.is_(True))
        return await self.scalars(statement)

    async def by_codes(self, codes: Sequence[str]) -> dict[str, RefusalReason]:
        found = await self.scalars(select(RefusalReason).where(RefusalReason.code.in_(codes)))
        return {reason.code: reason for reason in found}

    async def delete(self, reason: RefusalReason) -> None:
        await self.session.delete(reason)
        await self.session.flush()


class DecisionRepository(Repository[ApplicationDecision]):
    model = ApplicationDecision

    async def of_application(self, application_id: uuid.UUID) -> ApplicationDecision | None:
        return await self.scalar_one_or_none(
            select(ApplicationDecision).where(ApplicationDecision.application_id == application_id)
        )
