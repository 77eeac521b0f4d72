"""All SQL of the notification service (subclasses of educert_common.repository.Repository)."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, any_, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import insert

from educert_common.db import utcnow
from educert_common.http.pagination import Page, PageParams
from educert_common.repository import Repository
from notification.models import (
    DELIVERY_CHANNEL,
    CapturedMail,
    Delivery,
    DeliveryStatus,
    InboxItem,
    Message,
    Preference,
    Recipient,
    Route,
    SendLogEntry,
    Template,
)


class RecipientRepository(Repository[Recipient]):
    model = Recipient

    async def upsert(self, values: dict[str, Any]) -> None:
        """Insert or update contacts, unless what is stored is newer than `contacts_as_of`."""
        statement = insert(Recipient).values(**values, updated_at=utcnow())
        excluded = statement.excluded
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[Recipient.user_id],
                set_={
                    name: getattr(excluded, name)
                    for name in (*values.keys(), "updated_at")
                    if name != "user_id"
                },
                where=Recipient.contacts_as_of <= excluded.contacts_as_of,
            )
        )


class PreferenceRepository(Repository[Preference]):
    model = Preference

    async def is_muted(self, user_id: uuid.UUID) -> bool:
        muted = await self.session.scalar(
            select(Preference.mute_non_essential).where(Preference.user_id == user_id)
        )
        return bool(muted)

    async def put(self, user_id: uuid.UUID, *, mute_non_essential: bool) -> Preference:
        statement = insert(Preference).values(
            user_id=user_id, mute_non_essential=mute_non_essential, updated_at=utcnow()
        )
        row = await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[Preference.user_id],
                set_={
                    "mute_non_essential": statement.excluded.mute_non_essential,
                    "updated_at": statement.excluded.updated_at,
                },
            ).returning(Preference)
        )
        return row.scalar_one()


class RouteRepository(Repository[Route]):
    model = Route

    async def enabled(self, event_type: str) -> Route | None:
        return await self.scalar_one_or_none(
            select(Route).where(Route.event_type == event_type, Route.enabled.is_(True))
        )

    async def all(self) -> Sequence[Route]:
        return await self.scalars(select(Route).order_by(Route.event_type))

    async def for_update(self, event_type: str) -> Route | None:
        return await self.scalar_one_or_none(
            select(Route).where(Route.event_type == event_type).with_for_update()
        )


class TemplateRepository(Repository[Template]):
    model = Template

    async def for_key(self, key: str, locale: str) -> dict[str, Template]:
        """The templates of `key` per channel in `locale`, the other locale where one is missing."""
        rows = await self.scalars(select(Template).where(Template.key == key))
        chosen: dict[str, Template] = {}
        for template in sorted(rows, key=lambda t: t.locale == locale):
            chosen[template.channel] = template  # the wanted locale sorts last and wins
        return chosen

    async def find(self, key: str, channel: str, locale: str) -> Template | None:
        return await self.scalar_one_or_none(
            select(Template).where(
                Template.key == key, Template.channel == channel, Template.locale == locale
            )
        )

    async def channels_of(self, key: str) -> set[str]:
        rows = await self.session.execute(
            select(Template.channel).where(Template.key == key).distinct()
        )
        return {row[0] for row in rows}

    async def search(
        self, params: PageParams, *, key: str | None, channel: str | None, locale: str | None
    ) -> Page[Any]:
        statement = select(Template)
        if key:
            statement = statement.where(Template.key == key)
        if channel:
            statement = statement.where(Template.channel == channel)
        if locale:
            statement = statement.where(Template.locale == locale)
        return await self.paginate(statement, params)

    async def for_update(self, template_id: uuid.UUID) -> Template | None:
        return await self.scalar_one_or_none(
            select(Template).where(Template.id == template_id).with_for_update()
        )


class MessageRepository(Repository[Message]):
    model = Message


@dataclass(frozen=True, slots=True)
class DeliveryFilters:
    user_id: uuid.UUID | None = None
    destination: str | None = None
    source_event_id: uuid.UUID | None = None
    event_type: str | None = None
    status: str | None = None
    channel: str | None = None


# Claimed rows come back with what a worker needs to send them.
_CLAIM = text(
    """
    UPDATE deliveries AS d
       SET status = 'sending',
           attempts = d.attempts + 1,
           attempt_token = gen_random_uuid(),
           lease_until = clock_timestamp() + make_interval(secs => :lease_seconds),
           updated_at = clock_timestamp()
      FROM (
            SELECT id FROM deliveries
             WHERE (status = 'queued' AND next_attempt_at <= clock_timestamp())
                OR (status = 'sending' AND lease_until < clock_timestamp()
                    AND attempts < max_attempts)
             ORDER BY next_attempt_at
             LIMIT :limit
               FOR UPDATE SKIP LOCKED
           ) AS due
     WHERE d.id = due.id
    RETURNING d.*
    """
)

# Leases that ran out after the last allowed attempt: nobody knows whether it went out.
_BURY = text(
    """
    UPDATE deliveries AS d
       SET status = 'dead',
           failure_reason = 'outcome_unknown',
           last_error = 'the worker sending it stopped before recording the outcome',
           lease_until = NULL,
           updated_at = clock_timestamp()
      FROM (
            SELECT id FROM deliveries
             WHERE status = 'sending' AND lease_until < clock_timestamp()
               AND attempts >= max_attempts
             LIMIT :limit
               FOR UPDATE SKIP LOCKED
           ) AS stale
     WHERE d.id = stale.id
    RETURNING d.id, d.message_id, d.user_id, d.channel, d.source_event_id
    """
)


class DeliveryRepository(Repository[Delivery]):
    model = Delivery

    async def search(self, filters: DeliveryFilters, params: PageParams) -> Page[Any]:
        statement = select(Delivery)
        if filters.user_id is not None:
            statement = statement.where(Delivery.user_id == filters.user_id)
        if filters.destination:
            statement = statement.where(Delivery.destination == filters.destination)
        if filters.source_event_id is not None:
            statement = statement.where(Delivery.source_event_id == filters.source_event_id)
        if filters.event_type:
            statement = statement.where(Delivery.event_type == filters.event_type)
        if filters.status:
            statement = statement.where(Delivery.status == filters.status)
        if filters.channel:
            statement = statement.where(Delivery.channel == filters.channel)
        return await self.paginate(statement, params)

    async def for_update(self, delivery_id: uuid.UUID) -> Delivery | None:
        return await self.scalar_one_or_none(
            select(Delivery).where(Delivery.id == delivery_id).with_for_update()
        )

    async def claim_due(self, *, limit: int, lease_seconds: float) -> Sequence[Row[Any]]:
        """Take up to `limit` due deliveries for this worker (SKIP LOCKED: replicas share)."""
        result = await self.session.execute(
            _CLAIM, {"limit": limit, "lease_seconds": lease_seconds}
        )
        return result.all()

    async def bury_stale(self, *, limit: int) -> Sequence[Row[Any]]:
        return (await self.session.execute(_BURY, {"limit": limit})).all()

    async def record(self, delivery_id: uuid.UUID, attempt_token: uuid.UUID, **values: Any) -> bool:
        """Record an attempt's outcome, only if this attempt still holds the delivery."""
        result = await self.session.execute(
            update(Delivery)
            .where(
                Delivery.id == delivery_id,
                Delivery.attempt_token == attempt_token,
                Delivery.status == DeliveryStatus.SENDING,
            )
            .values(**values, lease_until=None, updated_at=utcnow())
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def wake_workers(self) -> None:
        await self.session.execute(select(func.pg_notify(DELIVERY_CHANNEL, "")))

    async def stats(self, since: datetime, until: datetime) -> list[Row[Any]]:
        rows = await self.session.execute(
            select(
                Delivery.channel,
                Delivery.status,
                func.count().label("count"),
                func.percentile_cont(0.5)
                .within_group(func.extract("epoch", Delivery.sent_at - Delivery.created_at))
                .label("p50_seconds"),
                func.percentile_cont(0.99)
                .within_group(func.extract("epoch", Delivery.sent_at - Delivery.created_at))
                .label("p99_seconds"),
            )
            .where(Delivery.created_at >= since, Delivery.created_at < until)
            .group_by(Delivery.channel, Delivery.status)
            .order_by(Delivery.channel, Delivery.status)
        )
        return list(rows.all())

    async def failure_reasons(self, since: datetime, until: datetime) -> list[Row[Any]]:
        rows = await self.session.execute(
            select(Delivery.failure_reason, func.count().label("count"))
            .where(
                Delivery.created_at >= since,
                Delivery.created_at < until,
                Delivery.status.in_([DeliveryStatus.FAILED, DeliveryStatus.DEAD]),
            )
            .group_by(Delivery.failure_reason)
            .order_by(func.count().desc())
            .limit(20)
        )
        return list(rows.all())


class SendLogRepository(Repository[SendLogEntry]):
    model = SendLogEntry

    async def take_slot(
        self, key: str, delivery_id: uuid.UUID, *, per_minute: int, per_day: int
    ) -> str | None:
        """Count a send against `key`'s limits; return the refusal reason when over one.

        A transaction-scoped advisory lock per destination serialises the check and the insert,
        so replicas and workers agree; the lock goes with the commit.
        """
        await self.session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0x6E6F74)))
        )
        now = func.clock_timestamp()
        counts = (
            await self.session.execute(
                select(
                    func.count().filter(SendLogEntry.created_at > now - timedelta(minutes=1)),
                    func.count(),
                ).where(
                    SendLogEntry.destination_key == key,
                    SendLogEntry.created_at > now - timedelta(days=1),
                )
            )
        ).one()
        if counts[0] >= per_minute:
            return "rate_limited_minute"
        if counts[1] >= per_day:
            return "rate_limited_day"
        await self.session.execute(
            insert(SendLogEntry).values(destination_key=key, delivery_id=delivery_id)
        )
        return None


class InboxRepository(Repository[InboxItem]):
    """Every query is scoped by the owner: a user only ever sees their own items."""

    model = InboxItem

    def _owned(self, owner: uuid.UUID) -> Any:
        return and_(InboxItem.user_id == owner, InboxItem.deleted_at.is_(None))

    async def page(self, owner: uuid.UUID, params: PageParams, *, unread: bool) -> Page[Any]:
        statement = select(InboxItem).where(self._owned(owner))
        if unread:
            statement = statement.where(InboxItem.read_at.is_(None))
        return await self.paginate(statement, params)

    async def unread_count(self, owner: uuid.UUID) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(InboxItem)
            .where(self._owned(owner), InboxItem.read_at.is_(None))
        )
        return int(count or 0)

    async def owned(self, owner: uuid.UUID, item_id: uuid.UUID) -> InboxItem | None:
        return await self.scalar_one_or_none(
            select(InboxItem).where(self._owned(owner), InboxItem.id == item_id)
        )

    async def mark_all_read(self, owner: uuid.UUID) -> int:
        result = await self.session.execute(
            update(InboxItem)
            .where(self._owned(owner), InboxItem.read_at.is_(None))
            .values(read_at=utcnow())
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


class CapturedMailRepository(Repository[CapturedMail]):
    model = CapturedMail

    async def search(self, params: PageParams, *, to: str | None) -> Page[Any]:
        statement = select(CapturedMail)
        if to:
            statement = statement.where(
                literal(to.strip().lower()) == any_(CapturedMail.recipients)
            )
        return await self.paginate(statement, params)
