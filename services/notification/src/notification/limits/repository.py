"""Send limits: per-destination slots (send_log) and the daily SMS budget counter."""

import uuid
from datetime import date

from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

from educert_common.repository import Repository
from notification.limits.models import SendLogEntry, SmsBudgetDay

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
