"""All SQL about orders, attempts, fees and callbacks."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, select, text
from sqlalchemy.dialects.postgresql import insert

from educert_common.http.pagination import Page, PageParams
from educert_common.repository import Repository
from payment.orders.models import Fee, Order, PaymentAttempt, ProviderNotification


class FeeRepository(Repository[Fee]):
    model = Fee

    async def all(self) -> Sequence[Fee]:
        return await self.scalars(select(Fee).order_by(Fee.purpose))

    async def for_update(self, purpose: str) -> Fee | None:
        return await self.scalar_one_or_none(
            select(Fee).where(Fee.purpose == purpose).with_for_update()
        )


class OrderRepository(Repository[Order]):
    model = Order

    async def visible(self, order_id: uuid.UUID, *, owner: uuid.UUID | None) -> Order | None:
        """The order, if `owner` is None (overseers) or owns it."""
        statement = select(Order).where(Order.id == order_id)
        if owner is not None:
            statement = statement.where(Order.user_id == owner)
        return await self.scalar_one_or_none(statement)

    async def lock(self, order_id: uuid.UUID, *, skip_locked: bool = False) -> Order | None:
        return await self.scalar_one_or_none(
            select(Order)
            .where(Order.id == order_id)
            .with_for_update(skip_locked=skip_locked)
            .execution_options(populate_existing=True)
        )

    async def page(
        self, params: PageParams, *, owner: uuid.UUID | None, status: str | None
    ) -> "Page[Order]":
        statement = select(Order)
        if owner is not None:
            statement = statement.where(Order.user_id == owner)
        if status is not None:
            statement = statement.where(Order.status == status)
        return await self.paginate(statement, params)

    async def insert_open(self, values: dict[str, object]) -> uuid.UUID | None:
        """Insert a new open order, or nothing when one is already open for the reference."""
        inserted = await self.session.execute(
            insert(Order)
            .values(**values)
            .on_conflict_do_nothing(
                index_elements=[Order.user_id, Order.purpose, Order.reference_id],
                index_where=text("status = 'created'"),
            )
            .returning(Order.id)
        )
        return inserted.scalar_one_or_none()

    async def open_for(self, user_id: uuid.UUID, purpose: str, reference_id: str) -> Order | None:
        return await self.scalar_one_or_none(
            select(Order).where(
                Order.user_id == user_id,
                Order.purpose == purpose,
                Order.reference_id == reference_id,
                Order.status == "created",
            )
        )

    async def paid_for(
        self, user_id: uuid.UUID, purpose: str, reference_id: str
    ) -> Sequence[Order]:
        return await self.scalars(
            select(Order).where(
                Order.user_id == user_id,
                Order.purpose == purpose,
                Order.reference_id == reference_id,
                Order.status == "paid",
            )
        )

    async def by_proxy_token(self, token: str) -> Order | None:
        return await self.scalar_one_or_none(select(Order).where(Order.proxy_token == token))

    async def by_receipt_code(self, code: str) -> Order | None:
        return await self.scalar_one_or_none(select(Order).where(Order.receipt_code == code))

    async def due_for_expiry(self, now: datetime, limit: int) -> Sequence[uuid.UUID]:
        rows = await self.session.execute(
            select(Order.id)
            .where(Order.status == "created", Order.expires_at <= now)
            .order_by(Order.expires_at)
            .limit(limit)
        )
        return list(rows.scalars())

    async def due_for_query(
        self, *, started_before: datetime, queried_before: datetime, limit: int
    ) -> Sequence[uuid.UUID]:
        """Open orders with a payment started long ago and no recent query."""
        rows = await self.session.execute(
            select(Order.id)
            .join(PaymentAttempt, PaymentAttempt.order_id == Order.id)
            .where(
                Order.status == "created",
                PaymentAttempt.status == "started",
                PaymentAttempt.created_at <= started_before,
                (Order.last_queried_at.is_(None)) | (Order.last_queried_at <= queried_before),
            )
            .group_by(Order.id)
            .limit(limit)
        )
        return list(rows.scalars())


class AttemptRepository(Repository[PaymentAttempt]):
    model = PaymentAttempt

    async def lock_for(self, order_id: uuid.UUID, channel: str) -> PaymentAttempt | None:
        return await self.scalar_one_or_none(
            select(PaymentAttempt)
            .where(PaymentAttempt.order_id == order_id, PaymentAttempt.channel == channel)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def lock(self, attempt_id: uuid.UUID) -> PaymentAttempt | None:
        return await self.scalar_one_or_none(
            select(PaymentAttempt)
            .where(PaymentAttempt.id == attempt_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def of_order(self, order_id: uuid.UUID) -> Sequence[PaymentAttempt]:
        return await self.scalars(
            select(PaymentAttempt)
            .where(PaymentAttempt.order_id == order_id)
            .order_by(PaymentAttempt.created_at)
        )

    async def succeeded_between(
        self, channel: str, start: datetime, end: datetime
    ) -> Sequence[PaymentAttempt]:
        return await self.scalars(
            select(PaymentAttempt).where(
                PaymentAttempt.channel == channel,
                PaymentAttempt.status == "succeeded",
                and_(PaymentAttempt.paid_at >= start, PaymentAttempt.paid_at < end),
            )
        )

    async def by_out_trade_nos(
        self, channel: str, order_ids: Sequence[uuid.UUID]
    ) -> Sequence[PaymentAttempt]:
        if not order_ids:
            return []
        return await self.scalars(
            select(PaymentAttempt).where(
                PaymentAttempt.channel == channel, PaymentAttempt.order_id.in_(order_ids)
            )
        )


class NotificationRepository(Repository[ProviderNotification]):
    model = ProviderNotification
