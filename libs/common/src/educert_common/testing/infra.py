"""Throwaway names per test run, so runs never see each other's data or messages."""

import asyncio
import os
import shutil
import subprocess
import uuid

import asyncpg
from sqlalchemy.engine import make_url

from educert_common.settings import SERVICE_NAMES, PlatformSettings


def configure_test_environment() -> str:
    """Point every setting at names unique to this run; return the run id."""
    run_id = os.environ.get("EDUCERT_TEST_RUN_ID") or uuid.uuid4().hex[:8]
    os.environ["EDUCERT_TEST_RUN_ID"] = run_id
    os.environ["EDUCERT_ENVIRONMENT"] = "test"
    os.environ["EDUCERT_DATABASE_PREFIX"] = f"educert_t{run_id}_"
    os.environ["EDUCERT_BROKER_PREFIX"] = f"t{run_id}."
    for service in SERVICE_NAMES:
        # Quick retries so the retry and dead-letter paths run in seconds.
        os.environ.setdefault(f"{service.upper()}_CONSUMER_RETRY_DELAYS_MS", "[100, 200, 400]")
        os.environ.setdefault(f"{service.upper()}_OUTBOX_POLL_SECONDS", "0.5")
    return run_id


async def drop_test_databases(settings: PlatformSettings) -> None:
    """Drop every database whose name starts with this run's prefix."""
    url = make_url(settings.postgres_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database="postgres"
    )
    try:
        names = await connection.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1",
            settings.database_prefix.replace("_", r"\_") + "%",
        )
        for row in names:
            name = row["datname"].replace('"', '""')
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def delete_test_broker_entities(prefix: str) -> None:
    """Delete queues and exchanges named with this run's prefix (best effort, via rabbitmqctl)."""
    if not prefix or shutil.which("rabbitmqctl") is None:
        return
    for kind, delete in (("queues", "delete_queue"), ("exchanges", None)):
        try:
            listed = subprocess.run(
                ["rabbitmqctl", "-q", f"list_{kind}", "name"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            ).stdout.split()
        except (OSError, subprocess.SubprocessError):
            return
        for name in listed:
            if not name.startswith(prefix):
                continue
            if delete:
                subprocess.run(
                    ["rabbitmqctl", "-q", delete, name],
                    capture_output=True,
                    timeout=30,
                    check=False,
                )
            else:
                asyncio.run(_delete_exchange(name))


async def _delete_exchange(name: str) -> None:
    import aio_pika

    connection = await aio_pika.connect(PlatformSettings().broker_url)
    async with connection:
        channel = await connection.channel()
        await channel.exchange_delete(name)
