"""The background job that asks identity for the registry check of paid photo attempts.

Each due attempt is claimed in its own short transaction (`FOR UPDATE SKIP LOCKED`, so two
records processes never ask twice at once), identity is asked with no transaction open, and
the answer is recorded in a third. An attempt whose question went unanswered (identity or the
registry down, the process killed mid-call) is asked again when its lease runs out, with a
doubling delay (RECORDS_PHOTO_REGISTRY_RETRY_SECONDS, at most ..._RETRY_MAX_SECONDS).
"""

import logging
from datetime import datetime

from educert_common.app import ServiceRuntime
from educert_common.jobs import run_forever
from records.base import audit
from records.config import RecordsSettings
from records.photos import clients, service
from records.photos.repository import PhotoAttemptRepository
from records.runtime import Clock, clock_for

logger = logging.getLogger(__name__)
BATCH = 20


async def photo_registry_job(runtime: ServiceRuntime) -> None:
    """Check due paid attempts with the registry, forever."""
    settings = runtime.settings
    assert isinstance(settings, RecordsSettings)
    clock = clock_for(settings)

    async def step() -> bool:
        return await check_due(runtime, settings, clock) >= BATCH

    await run_forever("photo-registry", settings.photo_registry_poll_seconds, step)


async def check_due(runtime: ServiceRuntime, settings: RecordsSettings, clock: Clock) -> int:
    """One sweep: ask about up to BATCH due attempts; return how many were due."""
    now: datetime = clock()
    async with runtime.database.transaction() as session:
        due = await PhotoAttemptRepository(session).registry_due_ids(now, BATCH)
    for attempt_id in due:
        async with runtime.database.transaction() as session:
            question = await service.claim_registry_check(
                session, attempt_id=attempt_id, settings=settings, now=clock()
            )
        if question is None:
            continue
        if not question.real_name:
            answer = clients.RegistryAnswer("no_record")
        else:
            try:
                answer = await clients.check_person(
                    settings.platform,
                    user_id=question.user_id,
                    real_name=question.real_name,
                    id_number_hash=question.id_number_hash,
                    photo_sha256=question.photo_sha256,
                )
            except clients.RegistryNotAnswering as error:
                logger.warning(
                    "registry check not answered; asked again later",
                    extra={"attempt_id": str(attempt_id), "error": str(error)},
                )
                continue
        async with runtime.database.transaction() as session:
            await service.registry_answered(
                session, audit, runtime.outbox, attempt_id=attempt_id, answer=answer,
                settings=settings, now=clock(),
            )  # fmt: skip
    return len(due)
