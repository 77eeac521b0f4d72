"""All SQL about refunds."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from educert_common.repository import Repository
from payment.refunds.models import Refund


class RefundRepository(Repository[Refund]):
    model = Refund

    async def by_key(self, order_id: uuid.UUID, request_key: str) -> Refund | None:
        return await self.scalar_one_or_none(
            select(Refund).where(Refund.order_id == order_id, Refund.request_key == request_key)
        )

    async def of_order(self, order_id: uuid.UUID) -> Sequence[Refund]:
        return await self.scalars(
            select(Refund).where(Refund.order_id == order_id).order_by(Refund.created_at)
        )

    async def lock(self, refund_id: uuid.UUID, *, skip_locked: bool = False) -> Refund | None:
        return await self.scalar_one_or_none(
            select(Refund)
            .where(Refund.id == refund_id)
            .with_for_update(skip_locked=skip_locked)
            .execution_options(populate_existing=True)
        )

    async def due_ids(self, now: datetime, limit: int) -> Sequence[uuid.UUID]:
        rows = await self.session.execute(
            select(Refund.id)
            .where(Refund.status == "requested", Refund.next_try_at <= now)
            .order_by(Refund.next_try_at)
            .limit(limit)
        )
        return list(rows.scalars())

    async def processing_ids(self, submitted_before: datetime, limit: int) -> Sequence[uuid.UUID]:
        rows = await self.session.execute(
            select(Refund.id)
            .where(
                Refund.status.in_(("processing", "unknown")),
                Refund.submitted_at <= submitted_before,
            )
            .order_by(Refund.submitted_at)
            .limit(limit)
        )
        return list(rows.scalars())

    async def succeeded_between(
        self, channel: str, start: datetime, end: datetime
    ) -> Sequence[Refund]:
        return await self.scalars(
            select(Refund).where(
                Refund.channel == channel,
                Refund.status == "succeeded",
                Refund.completed_at >= start,
                Refund.completed_at < end,
            )
        )
