"""The development seed: the demo institution and students' records, created once."""

from datetime import date

import pytest

from educert_common.db import Database
from educert_common.seed import DEMO_INSTITUTION_ID, DEMO_STUDENTS, SEED_ACTOR, SeedRefused
from educert_common.settings import PlatformSettings
from identity.config import IdentitySettings
from identity.crypto import secrets_for as identity_secrets
from records.config import RecordsSettings
from records.crypto import secrets_for
from records.enrollment_query.repository import EnrollmentQueryRepository
from records.seed import MADE_UP_STUDENTS, current_intake, institutions_dev, made_up_students, seed

COUNTS = {
    "institutions": "SELECT count(*) FROM institutions",
    "records": "SELECT (SELECT count(*) FROM student_status_records)"
    " + (SELECT count(*) FROM qualification_records) + (SELECT count(*) FROM degree_records)",
    "versions": "SELECT count(*) FROM record_versions",
    "audit": "SELECT count(*) FROM audit_entries WHERE actor = 'seed:make-run'",
    "outbox": "SELECT count(*) FROM outbox_events",
}


async def counts(database: Database) -> dict[str, int]:
    import sqlalchemy as sa

    async with database.transaction() as session:
        return {
            name: int((await session.execute(sa.text(sql))).scalar_one())
            for name, sql in COUNTS.items()
        }


@pytest.fixture
async def database(migrated_services: None):  # type: ignore[no-untyped-def]
    database = Database.connect(RecordsSettings().resolved_database_url(), pool_size=2)
    yield database
    await database.dispose()


async def test_seeding_twice_creates_the_demo_data_once(database: Database) -> None:
    import sqlalchemy as sa

    settings = RecordsSettings()
    assert await seed(settings) == []
    first = await counts(database)
    await seed(settings)
    assert await counts(database) == first

    async with database.transaction() as session:
        codes = set((await session.execute(sa.text("SELECT id FROM institutions"))).scalars().all())
        assert {DEMO_INSTITUTION_ID, "4111010001", "4131010248"} <= codes
        assert {i.id for i in institutions_dev()} <= codes
        index = secrets_for(settings).id_index
        identity_index = identity_secrets(IdentitySettings()).id_index
        for student in DEMO_STUDENTS:
            # Identity computes the same keyed hash: the records bind on verification.
            id_hash = index.of(student.id_number)
            assert id_hash == identity_index.of(student.id_number)
            for table in ("student_status_records", "qualification_records", "degree_records"):
                rows = (
                    await session.execute(
                        sa.text(
                            f"SELECT name, gender, birth_date, institution_id FROM {table} "  # noqa: S608
                            "WHERE id_number_hash = :hash AND updated_by = :actor"
                        ),
                        {"hash": id_hash, "actor": SEED_ACTOR},
                    )
                ).all()
                assert rows, (table, student.username)
                for row in rows:
                    assert (row.name, row.gender, row.birth_date, row.institution_id) == (
                        student.real_name,
                        student.gender,
                        student.birth_date,
                        DEMO_INSTITUTION_ID,
                    )
        # 李明 is a new master's student of this intake: the public query finds him.
        li = DEMO_STUDENTS[0]
        [found] = await EnrollmentQueryRepository(session).current_enrollments(
            id_number_hash=index.of(li.id_number),
            name=li.real_name,
            enrolled_since=date.today().replace(year=date.today().year - 1),
        )
        assert (found.level, found.institution_name_en) == ("master", "EduCert Demo University")
        made_up = made_up_students(MADE_UP_STUDENTS, current_intake(date.today()))
        hashes = [index.of(p.id_number) for p in made_up]
        enrolled = (
            await session.execute(
                sa.text(
                    "SELECT count(*) FROM student_status_records "
                    "WHERE id_number_hash = ANY(:hashes) AND status = 'enrolled'"
                ),
                {"hashes": hashes},
            )
        ).scalar_one()
        assert enrolled == MADE_UP_STUDENTS


def test_the_demo_institution_code_is_no_real_institution() -> None:
    listed = {i.id for i in institutions_dev()}
    assert DEMO_INSTITUTION_ID not in listed
    assert len(DEMO_INSTITUTION_ID) == 10 and DEMO_INSTITUTION_ID.isdigit()


async def test_production_refuses_the_seed() -> None:
    # model_copy: production settings with development secrets do not validate at all.
    platform = PlatformSettings().model_copy(update={"environment": "production"})
    settings = RecordsSettings().model_copy(update={"platform": platform})
    with pytest.raises(SeedRefused):
        await seed(settings)
