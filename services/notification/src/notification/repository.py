"""All SQL of the notification service (subclasses of educert_common.repository.Repository)."""

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Row,
    String,
    Text,
    and_,
    any_,
    bindparam,
    false,
    func,
    inspect,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, insert
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

from educert_common.db import utcnow
from educert_common.http.pagination import Page, PageParams
from educert_common.repository import Repository
from notification.models import (
    DELIVERY_CHANNEL,
    Base,
    CapturedMail,
    Delivery,
    DeliveryStatus,
    InboxItem,
    Message,
    Preference,
    Recipient,
    Route,
    SendLogEntry,
    SmsBudgetDay,
    Template,
    messaging,
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


@dataclass(frozen=True, slots=True)
class RouteLookup:
    """What the handler needs to know before writing anything, read in one round trip."""

    route: Route
    templates: list[Template]  # of the route's template key, every channel and locale
    recipient: Recipient | None
    muted: bool


def choose_templates(templates: Sequence[Template], locale: str) -> dict[str, Template]:
    """Per channel the template in `locale`, the other locale where that one is missing."""
    chosen: dict[str, Template] = {}
    for template in sorted(templates, key=lambda t: t.locale == locale):
        chosen[template.channel] = template  # the wanted locale sorts last and wins
    return chosen


def _lookup_statement(*, with_user: bool) -> Any:
    """Route + its templates (one row each) + the user's contacts and mute preference."""
    if with_user:
        muted: Any = (
            select(Preference.mute_non_essential)
            .where(Preference.user_id == bindparam("user_id"))
            .scalar_subquery()
        )
        recipient_on: Any = Recipient.user_id == bindparam("user_id")
    else:
        muted, recipient_on = literal(False), false()
    return (
        select(Route, Template, Recipient, muted)
        .outerjoin(Template, Template.key == Route.template_key)
        .outerjoin(Recipient, recipient_on)
        .where(Route.event_type == bindparam("event_type"), Route.enabled.is_(True))
    )


# Built once: constructing a statement costs more than running its cached compiled form.
_LOOKUP = {True: _lookup_statement(with_user=True), False: _lookup_statement(with_user=False)}


class RouteRepository(Repository[Route]):
    model = Route

    async def lookup(self, event_type: str, user_id: uuid.UUID | None) -> RouteLookup | None:
        """The enabled route of `event_type` with its templates, and the user's contacts and
        mute preference (one statement instead of one query each)."""
        rows = (
            await self.session.execute(
                _LOOKUP[user_id is not None], {"event_type": event_type, "user_id": user_id}
            )
        ).all()
        if not rows:
            return None
        route, _, recipient, is_muted = rows[0]
        templates = [row[1] for row in rows if row[1] is not None]
        return RouteLookup(route, templates, recipient, bool(is_muted))

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

    async def is_essential_key(self, template_key: str, essential_types: Sequence[str]) -> bool:
        """Whether an essential route (or one of `essential_types`) uses `template_key`."""
        found = await self.session.scalar(
            select(literal(True))
            .where(
                Route.template_key == template_key,
                Route.essential.is_(True) | Route.event_type.in_(essential_types),
            )
            .limit(1)
        )
        return bool(found)


class TemplateRepository(Repository[Template]):
    model = Template

    async def for_key(self, key: str, locale: str) -> dict[str, Template]:
        """The templates of `key` per channel in `locale`, the other locale where one is missing."""
        rows = await self.scalars(select(Template).where(Template.key == key))
        return choose_templates(list(rows), locale)

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


def _column_values(row: Any, now: datetime) -> dict[str, Any]:
    """Every column of a (transient) mapped object, with the timestamps the ORM would default."""
    values: dict[str, Any] = {}
    for attribute in inspect(type(row)).column_attrs:
        value = getattr(row, attribute.key)
        if value is None and attribute.key in ("created_at", "updated_at"):
            value = now
        values[attribute.columns[0].key] = value
    return values


@functools.lru_cache(maxsize=64)
def _write_statement(shape: tuple[tuple[str, tuple[str, ...]], ...]) -> Any:
    """One data-modifying CTE per row, `shape` naming each row's table and columns; the values
    are bound as p<row>_<column>. Built once per shape, so only parameters change per call."""
    parts = []
    for n, (name, columns) in enumerate(shape):
        table = Base.metadata.tables[name]
        values = {}
        for column in columns:
            type_ = table.c[column].type
            if isinstance(type_, JSONB):
                type_ = JSONB(none_as_null=True)  # None is SQL NULL, not JSON 'null'
            values[column] = bindparam(f"p{n}_{column}", type_=type_)
        parts.append(insert(table).values(values).cte(f"new_{n}"))
    return select(literal(1)).add_cte(*parts)


class MessageRepository(Repository[Message]):
    model = Message

    async def write(
        self,
        message: Message,
        deliveries: Sequence[Delivery],
        inbox_items: Sequence[InboxItem],
        outbox_rows: Sequence[dict[str, Any]],
    ) -> None:
        """Insert a message, its deliveries and inbox items and outbox rows in one statement.

        Data-modifying CTEs run as one statement; the foreign keys to the message are checked
        at its end, when the message row is there.
        """
        now = utcnow()
        rows = [
            ("messages", _column_values(message, now)),
            *(("deliveries", _column_values(d, now)) for d in deliveries),
            *(("inbox_items", _column_values(i, now)) for i in inbox_items),
            *((messaging.outbox.name, dict(row)) for row in outbox_rows),
        ]
        statement = _write_statement(tuple((name, tuple(values)) for name, values in rows))
        params = {
            f"p{n}_{column}": value
            for n, (_, values) in enumerate(rows)
            for column, value in values.items()
        }
        await self.session.execute(statement, params)


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


# Outcomes of many attempts at once, each applied only while its attempt holds the delivery.
# A sent one keeps its last error; a retry or a failure keeps sent_at and the provider's id.
# A sent one that carries a secret is emptied in the same statement (a retry still needs it;
# a failed one keeps it for an operator's resend until the message expires: `_REDACT_FINAL`).
_RECORD_MANY = text(
    """
    UPDATE deliveries AS d
       SET status = o.status,
           subject = CASE WHEN o.status = 'sent' AND d.carries_secret THEN NULL
                          ELSE d.subject END,
           body = CASE WHEN o.status = 'sent' AND d.carries_secret THEN '' ELSE d.body END,
           html_body = CASE WHEN o.status = 'sent' AND d.carries_secret THEN NULL
                            ELSE d.html_body END,
           sms_params = CASE WHEN o.status = 'sent' AND d.carries_secret THEN NULL
                             ELSE d.sms_params END,
           redacted_at = CASE WHEN o.status = 'sent' AND d.carries_secret THEN clock_timestamp()
                              ELSE d.redacted_at END,
           sent_at = COALESCE(o.sent_at, d.sent_at),
           provider_message_id = CASE WHEN o.status = 'sent' THEN o.provider_message_id
                                      ELSE d.provider_message_id END,
           failure_reason = o.failure_reason,
           last_error = CASE WHEN o.status = 'sent' THEN d.last_error ELSE o.last_error END,
           next_attempt_at = COALESCE(o.next_attempt_at, d.next_attempt_at),
           lease_until = NULL,
           updated_at = clock_timestamp()
      FROM unnest(:ids, :tokens, :statuses, :sent_at, :provider_ids, :reasons, :errors, :next_at)
           AS o(id, attempt_token, status, sent_at, provider_message_id, failure_reason,
                last_error, next_attempt_at)
     WHERE d.id = o.id AND d.attempt_token = o.attempt_token AND d.status = 'sending'
    RETURNING d.id
    """
).bindparams(
    bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True))),
    bindparam("tokens", type_=ARRAY(PG_UUID(as_uuid=True))),
    bindparam("statuses", type_=ARRAY(String)),
    bindparam("sent_at", type_=ARRAY(DateTime(timezone=True))),
    bindparam("provider_ids", type_=ARRAY(String)),
    bindparam("reasons", type_=ARRAY(String)),
    bindparam("errors", type_=ARRAY(Text)),
    bindparam("next_at", type_=ARRAY(DateTime(timezone=True))),
)


# Secret-bearing deliveries that are final and no longer resendable: sent (normally emptied
# when recorded; this catches rows from before that, and inbox copies), or failed/dead once the
# message expired (an operator may resend a failed code while it is valid).
_REDACT_FINAL = text(
    """
    UPDATE deliveries AS d
       SET subject = NULL, body = '', html_body = NULL, sms_params = NULL,
           redacted_at = clock_timestamp(), updated_at = clock_timestamp()
      FROM (
            SELECT dd.id FROM deliveries AS dd JOIN messages AS m ON m.id = dd.message_id
             WHERE dd.carries_secret AND dd.redacted_at IS NULL
               AND (dd.status = 'sent'
                    OR (dd.status IN ('failed', 'dead')
                        AND COALESCE(m.expires_at, dd.created_at + interval '1 day')
                            < clock_timestamp()))
             LIMIT :limit
               FOR UPDATE OF dd SKIP LOCKED
           ) AS due
     WHERE d.id = due.id
    RETURNING d.id
    """
)


class DeliveryRepository(Repository[Delivery]):
    model = Delivery

    async def redact_final(self, *, limit: int) -> int:
        """Empty up to `limit` final secret-bearing deliveries; return how many."""
        return len((await self.session.execute(_REDACT_FINAL, {"limit": limit})).all())

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

    async def record_many(self, outcomes: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
        """`record` for many attempts in one statement; return the ids that were recorded.

        Each item: id, attempt_token, status, and what that status sets (sent_at and
        provider_message_id; or failure_reason, last_error and, for a retry, next_attempt_at).
        """
        if not outcomes:
            return set()
        result = await self.session.execute(
            _RECORD_MANY,
            {
                "ids": [o["id"] for o in outcomes],
                "tokens": [o["attempt_token"] for o in outcomes],
                "statuses": [str(o["status"]) for o in outcomes],
                "sent_at": [o.get("sent_at") for o in outcomes],
                "provider_ids": [o.get("provider_message_id") for o in outcomes],
                "reasons": [o.get("failure_reason") for o in outcomes],
                "errors": [o.get("last_error") for o in outcomes],
                "next_at": [o.get("next_attempt_at") for o in outcomes],
            },
        )
        return {row[0] for row in result}

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


# Sends to one destination in the last minute and day, plus this send when both are under
# their limit (a data-modifying CTE runs whether or not the outer query reads it).
_TAKE_SLOT = text(
    """
    WITH counts AS (
        SELECT count(*) FILTER (
                   WHERE created_at > clock_timestamp() - interval '1 minute') AS minute,
               count(*) AS day
          FROM send_log
         WHERE destination_key = :key
           AND created_at > clock_timestamp() - interval '1 day'
    ), taken AS (
        INSERT INTO send_log (destination_key, delivery_id)
        SELECT :key, :delivery_id FROM counts
         WHERE minute < :per_minute AND day < :per_day
        RETURNING id
    )
    SELECT minute, day FROM counts
    """
).bindparams(bindparam("delivery_id", type_=PG_UUID(as_uuid=True)))


# The same lock key as every earlier version (seed 0x6E6F74), so mixed replicas agree.
_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 7237492))")


class SendLogRepository(Repository[SendLogEntry]):
    model = SendLogEntry

    async def take_slot(
        self, key: str, delivery_id: uuid.UUID, *, per_minute: int, per_day: int
    ) -> str | None:
        """Count a send against `key`'s limits; return the refusal reason when over one.

        A transaction-scoped advisory lock per destination serialises the check and the insert,
        so replicas and workers agree; the lock goes with the commit. The count and the insert
        are one statement, run after the lock is granted, so its snapshot sees every send
        committed by whoever held the lock before.
        """
        await self.session.execute(_ADVISORY_LOCK, {"key": key})
        counts = (
            await self.session.execute(
                _TAKE_SLOT,
                {
                    "key": key,
                    "delivery_id": delivery_id,
                    "per_minute": per_minute,
                    "per_day": per_day,
                },
            )
        ).one()
        if counts.minute >= per_minute:
            return "rate_limited_minute"
        if counts.day >= per_day:
            return "rate_limited_day"
        return None


# One more SMS on `day` unless `limit` is reached: the row lock of the upsert serialises
# concurrent handlers (any replica) on the counter, so the limit is never overshot.
_TAKE_SMS_BUDGET = text(
    """
    INSERT INTO sms_budget AS b (day, used) VALUES (:day, 1)
    ON CONFLICT (day) DO UPDATE SET used = b.used + 1, updated_at = clock_timestamp()
     WHERE b.used < :limit
    RETURNING b.used
    """
)


class SmsBudgetRepository(Repository[SmsBudgetDay]):
    model = SmsBudgetDay

    async def take(self, day: date, *, limit: int) -> int | None:
        """Count one SMS on `day` if fewer than `limit` were; return the new count, else None."""
        if limit <= 0:
            return None
        used = await self.session.scalar(_TAKE_SMS_BUDGET, {"day": day, "limit": limit})
        return None if used is None else int(used)

    async def used(self, day: date) -> int:
        used = await self.session.scalar(select(SmsBudgetDay.used).where(SmsBudgetDay.day == day))
        return int(used or 0)


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
