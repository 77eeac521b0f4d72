"""All SQL about applications, their transitions, orders and numbers."""

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from certification.applications.models import (
    Application,
    ApplicationOrder,
    ApplicationTransition,
    NumberSequence,
)
from certification.applications.states import OPEN
from educert_common.http.pagination import Page, PageParams
from educert_common.repository import Repository


class ApplicationRepository(Repository[Application]):
    model = Application

    async def own(self, application_id: uuid.UUID, user_id: uuid.UUID) -> Application | None:
        """The applicant's own application (another's is not found)."""
        return await self.scalar_one_or_none(
            select(Application).where(
                Application.id == application_id, Application.user_id == user_id
            )
        )

    async def lock(self, application_id: uuid.UUID) -> Application | None:
        """The application, row-locked until the transaction ends (one move at a time)."""
        return await self.scalar_one_or_none(
            select(Application)
            .where(Application.id == application_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def lock_own(self, application_id: uuid.UUID, user_id: uuid.UUID) -> Application | None:
        return await self.scalar_one_or_none(
            select(Application)
            .where(Application.id == application_id, Application.user_id == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def of_user(self, user_id: uuid.UUID, params: PageParams) -> "Page[Application]":
        return await self.paginate(
            select(Application).where(Application.user_id == user_id), params
        )

    async def open_count(self, user_id: uuid.UUID) -> int:
        return (
            await self.session.scalar(
                select(func.count())
                .select_from(Application)
                .where(
                    Application.user_id == user_id, Application.state.in_([s.value for s in OPEN])
                )
            )
            or 0
        )

    async def open_for_degree(
        self, user_id: uuid.UUID, degree_key: str, *, other_than: uuid.UUID
    ) -> Application | None:
        return await self.scalar_one_or_none(
            select(Application)
            .where(
                Application.user_id == user_id,
                Application.degree_key == degree_key,
                Application.kind != "reconsideration",
                Application.state.notin_(("withdrawn", "refused")),
                Application.id != other_than,
            )
            .limit(1)
        )

    async def reconsiderations_of(self, application_id: uuid.UUID) -> Sequence[Application]:
        return await self.scalars(
            select(Application).where(
                Application.reconsideration_of == application_id,
                Application.state != "withdrawn",
            )
        )

    async def next_number(self, sequence: str) -> int:
        """The next number of a sequence (row-locked upsert: no two alike)."""
        return await next_in_sequence(self.session, sequence)


async def next_in_sequence(session: AsyncSession, sequence: str) -> int:
    """The next number of a named sequence; concurrent callers wait on the row's lock, so
    no two get the same number."""
    statement = (
        insert(NumberSequence)
        .values(name=sequence, last=1)
        .on_conflict_do_update(
            index_elements=[NumberSequence.name], set_={"last": NumberSequence.last + 1}
        )
        .returning(NumberSequence.last)
    )
    return int((await session.execute(statement)).scalar_one())


class TransitionRepository(Repository[ApplicationTransition]):
    model = ApplicationTransition

    async def of_application(self, application_id: uuid.UUID) -> Sequence[ApplicationTransition]:
        return await self.scalars(
            select(ApplicationTransition)
            .where(ApplicationTransition.application_id == application_id)
            .order_by(ApplicationTransition.at, ApplicationTransition.id)
        )


class OrderRepository(Repository[ApplicationOrder]):
    model = ApplicationOrder

    async def of_application(self, application_id: uuid.UUID) -> Sequence[ApplicationOrder]:
        return await self.scalars(
            select(ApplicationOrder)
            .where(ApplicationOrder.application_id == application_id)
            .order_by(ApplicationOrder.created_at)
        )

    async def by_order_id(self, order_id: uuid.UUID) -> ApplicationOrder | None:
        return await self.scalar_one_or_none(
            select(ApplicationOrder).where(ApplicationOrder.order_id == order_id)
        )

    async def expired_count(self, application_id: uuid.UUID, purpose: str) -> int:
        return (
            await self.session.scalar(
                select(func.count())
                .select_from(ApplicationOrder)
                .where(
                    ApplicationOrder.application_id == application_id,
                    ApplicationOrder.purpose == purpose,
                    ApplicationOrder.status == "expired",
                )
            )
            or 0
        )
