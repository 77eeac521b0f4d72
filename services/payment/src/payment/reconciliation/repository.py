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

    async def add_with_mismatches(
        self, run: ReconciliationRun, mismatches: Sequence[ReconciliationMismatch]
    ) -> ReconciliationRun:
        """Store a run and its mismatches (the run first: no ORM relationship orders them)."""
        await self.add(run)  # flushed: its id is set
        for mismatch in mismatches:
            mismatch.run_id = run.id
        self.session.add_all(mismatches)
        await self.session.flush()
        return run

    async def refund_mismatch_recorded(self, kind: str, out_refund_no: str) -> bool:
        found = await self.session.scalar(
            select(ReconciliationMismatch.id)
            .where(
                ReconciliationMismatch.kind == kind,
                ReconciliationMismatch.out_refund_no == out_refund_no,
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
