"""Every query about deliveries: the worker's claims and outcomes, operators' search and stats."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Row, String, Text, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

from educert_common.db import utcnow
from educert_common.http.pagination import Page, PageParams
from educert_common.repository import Repository
from notification.deliveries.models import DELIVERY_CHANNEL, Delivery, DeliveryStatus


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

    async def of_event(self, source_event_id: uuid.UUID) -> list[Delivery]:
        """The deliveries of one event, by channel."""
        return list(
            await self.scalars(
                select(Delivery)
                .where(Delivery.source_event_id == source_event_id)
                .order_by(Delivery.channel)
            )
        )

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
