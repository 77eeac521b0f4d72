"""Migration payment_0003 recomputes the orders' refunded totals counted the old way."""

import asyncio
import uuid
from pathlib import Path

import sqlalchemy as sa

from educert_common.db import Database, drop_database
from educert_common.migrations import upgrade
from educert_common.settings import PlatformSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

ORDER = """
INSERT INTO orders (id, user_id, purpose, reference_id, amount_fen, status, created_via,
    created_at, updated_at, expires_at, paid_attempt_id, refunded_fen)
VALUES (:id, :user, 'certification', :ref, 36000, :status, 'applicant',
    now(), now(), now(), :paid_attempt, :refunded)
"""
ATTEMPT = """
INSERT INTO payment_attempts (id, order_id, channel, status, amount_fen, created_at,
    reserved_fen, refunded_fen)
VALUES (:id, :order_id, :channel, 'succeeded', 36000, now(), :refunded, :refunded)
"""


async def test_refunded_totals_follow_the_paying_attempt() -> None:
    settings = PlatformSettings()
    url = f"{settings.postgres_url}/{settings.database_prefix}paytest_migration_0003"
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "payment_0002")
    database = Database.connect(url, pool_size=1)
    doubled, late, partly = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    paying, duplicate, late_attempt, partly_attempt = (uuid.uuid4() for _ in range(4))
    try:
        async with database.transaction() as session:
            for order_id, status, paid_attempt, refunded in (
                (doubled, "paid", paying, 36000),  # the duplicate's refund counted
                (late, "expired", None, 36000),  # a late payment's refund counted
                (partly, "paid", partly_attempt, 10000),  # right already
            ):
                await session.execute(
                    sa.text(ORDER),
                    {
                        "id": order_id,
                        "user": uuid.uuid4(),
                        "ref": order_id.hex,
                        "status": status,
                        "paid_attempt": paid_attempt,
                        "refunded": refunded,
                    },
                )
            for attempt_id, order_id, channel, refunded in (
                (paying, doubled, "wechat", 0),
                (duplicate, doubled, "alipay", 36000),
                (late_attempt, late, "wechat", 36000),
                (partly_attempt, partly, "alipay", 10000),
            ):
                await session.execute(
                    sa.text(ATTEMPT),
                    {
                        "id": attempt_id,
                        "order_id": order_id,
                        "channel": channel,
                        "refunded": refunded,
                    },
                )
        await asyncio.to_thread(upgrade, MIGRATIONS, url, "payment_0003")
        async with database.transaction() as session:
            rows = await session.execute(sa.text("SELECT id, refunded_fen FROM orders"))
            totals = {row.id: row.refunded_fen for row in rows}
        assert totals == {doubled: 0, late: 0, partly: 10000}
    finally:
        await database.dispose()
        await drop_database(url)
