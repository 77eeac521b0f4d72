"""All SQL about supplement requests and their items."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from certification.supplements.models import SupplementItem, SupplementRequest
from educert_common.repository import Repository


class SupplementRepository(Repository[SupplementRequest]):
    model = SupplementRequest

    async def open_for(self, application_id: uuid.UUID) -> SupplementRequest | None:
        """The request the applicant is answering now (none once resubmitted)."""
        return await self.scalar_one_or_none(
            select(SupplementRequest).where(
                SupplementRequest.application_id == application_id,
                SupplementRequest.resubmitted_at.is_(None),
            )
        )

    async def of_application(self, application_id: uuid.UUID) -> Sequence[SupplementRequest]:
        """Every request, newest first."""
        return await self.scalars(
            select(SupplementRequest)
            .where(SupplementRequest.application_id == application_id)
            .order_by(SupplementRequest.requested_at.desc(), SupplementRequest.id)
        )

    async def items_of(self, request_ids: Sequence[uuid.UUID]) -> Sequence[SupplementItem]:
        if not request_ids:
            return []
        return await self.scalars(
            select(SupplementItem)
            .where(SupplementItem.request_id.in_(request_ids))
            .order_by(SupplementItem.request_id, SupplementItem.position)
        )

    async def add_item(self, item: SupplementItem) -> SupplementItem:
        self.session.add(item)
        await self.session.flush()
        return item

    async def item_in(self, item_id: uuid.UUID, request_id: uuid.UUID) -> SupplementItem | None:
        return await self.scalar_one_or_none(
            select(SupplementItem).where(
                SupplementItem.id == item_id, SupplementItem.request_id == request_id
            )
        )
