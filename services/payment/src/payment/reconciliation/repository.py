"""All SQL about reconciliation runs."""

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from educert_common.http.pagination import Page, PageParams
from educert_common.repository import Repository
from payment.reconciliation.models import ReconciliationMismatch, ReconciliationRun


class RunRepository(Repository[ReconciliationRun]):
    model = ReconciliationRun

    async def page(self, params: PageParams) -> "Page[ReconciliationRun]":
        return await self.paginate(select(ReconciliationRun), params)

    async def exists_for(self, day: date, channel: str) -> bool:
        found = await self.scalar_one_or_none(
            select(ReconciliationRun)
            .where(
                ReconciliationRun.day == day,
                ReconciliationRun.channel == channel,
                ReconciliationRun.status == "completed",
            )
            .limit(1)
        )
        return found is not None

    async def mismatches(self, run_id: uuid.UUID) -> Sequence[ReconciliationMismatch]:
        return (
            (
                await self.session.execute(
                    select(ReconciliationMismatch)
                    .where(ReconciliationMismatch.run_id == run_id)
                    .order_by(ReconciliationMismatch.kind, ReconciliationMismatch.out_trade_no)
                )
            )
            .scalars()
            .all()
        )
