"""The background job that makes photo checks final once their 24 hours are over.

Reads conclude lazily too; whichever comes first wins, because both take the check with
`FOR UPDATE SKIP LOCKED` and only while `concluded_at IS NULL`, so the event is written once.
"""

import logging
from datetime import datetime

from educert_common.app import ServiceRuntime
from educert_common.jobs import run_forever
from records.base import audit
from records.config import RecordsSettings
from records.photochecks import service
from records.photochecks.repository import PhotoCheckRepository
from records.runtime import clock_for

logger = logging.getLogger(__name__)
BATCH = 100


async def conclude_photo_checks_job(runtime: ServiceRuntime) -> None:
    """Conclude due photo checks, each in its own transaction, forever."""
    settings = runtime.settings
    assert isinstance(settings, RecordsSettings)
    clock = clock_for(settings)

    async def step() -> bool:
        # A full batch means more may be due: go again at once.
        return await conclude_due(runtime, clock()) >= BATCH

    await run_forever("photo-checks", settings.photo_check_sweep_seconds, step)


async def conclude_due(runtime: ServiceRuntime, now: datetime) -> int:
    """One sweep: conclude up to BATCH due checks; return how many were due."""
    async with runtime.database.transaction() as session:
        due = await PhotoCheckRepository(session).due_ids(now, BATCH)
    for check_id in due:
        async with runtime.database.transaction() as session:
            check = await PhotoCheckRepository(session).lock_due(check_id, now)
            if check is not None:
                await service.conclude(session, audit, runtime.outbox, check, record=None, now=now)
    return len(due)
