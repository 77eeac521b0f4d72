"""The photo-check window through the service functions with a fake clock, on the records
database: each change restarts the 24 hours, then the answer is final; the lazy conclusion
on read and the background sweep conclude a check once, whichever comes first."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from educert_common.db import Database
from educert_common.events.outbox import Outbox
from records.academic.rules import RecordKind
from records.academic.service import report_record
from records.base import audit, messaging
from records.config import RecordsSettings
from records.crypto import secrets_for
from records.exceptions import PhotoCheckFinal
from records.institutions.schemas import InstitutionCreate
from records.institutions.service import create_institution
from records.photochecks import service
from records.photochecks.jobs import conclude_due
from records.testing import adult, new_institution_id, student_status_body

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
KIND = RecordKind.STUDENT_STATUS


@pytest.fixture(scope="module")
async def database(migrated_services: None) -> AsyncIterator[Database]:
    db = Database.connect(RecordsSettings().resolved_database_url(), pool_size=3)
    try:
        yield db
    finally:
        await db.dispose()


OUTBOX = Outbox(messaging, source="records")


async def bound_record(database: Database) -> tuple[uuid.UUID, uuid.UUID]:
    settings = RecordsSettings()
    code, user_id = new_institution_id(), uuid.uuid4()
    body = student_status_body(adult())
    async with database.transaction() as session:
        await create_institution(
            session,
            audit,
            data=InstitutionCreate(
                id=code,
                name_zh="测试大学",
                name_en="Test University",
                province="北京市",
                kind="undergraduate",
            ),
            actor="test",
        )
        reported = await report_record(
            session,
            audit,
            OUTBOX,
            secrets_for(settings),
            settings,
            kind=KIND,
            institution_id=code,
            student_number="W1",
            fields=body,
            reason=None,
            actor="test",
        )
        reported.record.owner_id = user_id
    return reported.record.id, user_id


async def answer(
    database: Database,
    record_id: uuid.UUID,
    user_id: uuid.UUID,
    at: datetime,
    conclusion: str = "correct",
    wrong: list[str] | None = None,
) -> Any:
    async with database.transaction() as session:
        check, _ = await service.answer(
            session,
            audit,
            OUTBOX,
            kind=KIND,
            record_id=record_id,
            user_id=user_id,
            conclusion=conclusion,
            wrong_fields=wrong or [],
            now=at,
        )
        return check


async def read(database: Database, record_id: uuid.UUID, user_id: uuid.UUID, at: datetime) -> Any:
    async with database.transaction() as session:
        record = await service.owned_record(session, KIND, record_id, user_id)
        return await service.current_check(session, audit, OUTBOX, kind=KIND, record=record, now=at)


async def concluded_events(database: Database, record_id: uuid.UUID) -> int:
    async with database.transaction() as session:
        return int(
            await session.scalar(
                sa.text(
                    "SELECT count(*) FROM outbox_events WHERE event_type = "
                    "'records.photo_check.concluded' AND payload->'data'->>'record_id' = :id"
                ),
                {"id": str(record_id)},
            )
            or 0
        )


async def test_each_change_restarts_the_window_and_a_read_concludes_it_once(
    database: Database,
) -> None:
    record_id, user_id = await bound_record(database)
    await answer(database, record_id, user_id, T0, "wrong", ["name"])
    await answer(database, record_id, user_id, T0 + timedelta(hours=23, minutes=59))
    last = T0 + timedelta(hours=47)
    check = await answer(database, record_id, user_id, last, "wrong", ["major"])
    assert check.effective_at == last + timedelta(hours=24) and check.changes == 2

    before = await read(database, record_id, user_id, last + timedelta(hours=23, minutes=59))
    assert before.concluded_at is None and await concluded_events(database, record_id) == 0
    due = last + timedelta(hours=24)
    with pytest.raises(PhotoCheckFinal):
        await answer(database, record_id, user_id, due)
    concluded = await read(database, record_id, user_id, due)
    assert concluded.concluded_at == due and concluded.correction_id is not None
    again = await read(database, record_id, user_id, due + timedelta(hours=1))
    assert again.concluded_at == due
    runtime = SimpleNamespace(database=database, outbox=OUTBOX)
    await conclude_due(runtime, due + timedelta(days=1))  # type: ignore[arg-type]
    assert await concluded_events(database, record_id) == 1


async def test_the_sweep_concludes_what_nobody_reads_and_a_read_adds_nothing(
    database: Database,
) -> None:
    record_id, user_id = await bound_record(database)
    await answer(database, record_id, user_id, T0)
    runtime = SimpleNamespace(database=database, outbox=OUTBOX)
    await conclude_due(runtime, T0 + timedelta(hours=23))  # type: ignore[arg-type]
    assert await concluded_events(database, record_id) == 0
    await conclude_due(runtime, T0 + timedelta(hours=24))  # type: ignore[arg-type]
    assert await concluded_events(database, record_id) == 1
    check = await read(database, record_id, user_id, T0 + timedelta(hours=30))
    assert check.concluded_at == T0 + timedelta(hours=24) and check.correction_id is None
    assert await concluded_events(database, record_id) == 1
