"""Identity's part of the `make run` demo data (see educert_common.seed): staff of every role
with a password, and two students with verified contacts whom the development population
registry knows, so real-name verification passes for them.

Idempotent: an account whose username exists, or a registry entry already loaded, is left
alone. The accounts go through the same service functions as the API (staff creation,
registration, registry import), so the events and audit entries are the real ones.
"""

from educert_common.db import Database, utcnow
from educert_common.events.outbox import Outbox
from educert_common.seed import (
    DEMO_STAFF,
    DEMO_STUDENTS,
    SEED_ACTOR,
    DemoLogin,
    DemoStaff,
    DemoStudent,
)
from identity.accounts import passwords
from identity.accounts.registration import register
from identity.accounts.repository import UserRepository
from identity.accounts.schemas import RegistrationRequest
from identity.accounts.service import announce_contacts
from identity.base import messaging
from identity.config import IdentitySettings
from identity.crypto import secrets_for
from identity.realname.repository import RegistryRepository
from identity.realname.service import import_registry_csv
from identity.staff.service import create_staff

# The "client address" the seed's registrations are counted under.
SEED_ADDRESS = "seed"
REGISTRY_HEADER = "id_type,id_number,name,gender,birth_date,valid_from,valid_to"


def _registry_row(student: DemoStudent) -> str:
    return (
        f"resident_id,{student.id_number},{student.real_name},{student.gender},"
        f"{student.birth_date.isoformat()},{student.valid_from.isoformat()},"
        f"{student.valid_to.isoformat()}"
    )


def _registration(student: DemoStudent) -> RegistrationRequest:
    return RegistrationRequest(
        real_name=student.real_name,
        nationality="CN",
        gender=student.gender,  # type: ignore[arg-type]
        id_type="resident_id",
        id_number=student.id_number,
        id_valid_from=student.valid_from,
        id_valid_to=student.valid_to,
        mobile=student.mobile,
        email=student.email,
        password=student.password,
        username=student.username,
    )


def _staff_login(staff: DemoStaff) -> DemoLogin:
    note = f"institution {staff.institution_id}" if staff.institution_id else ""
    return DemoLogin(staff.role, staff.username, staff.password, note)


async def seed(settings: IdentitySettings) -> list[DemoLogin]:
    """Create the demo staff and students that do not exist yet; return every demo login."""
    database = Database.connect(settings.resolved_database_url(), pool_size=1)
    outbox = Outbox(messaging, source="identity")
    try:
        async with database.transaction() as session:
            users = UserRepository(session)
            for staff in DEMO_STAFF:
                if await users.by_username(staff.username) is not None:
                    continue
                user = await create_staff(
                    session,
                    outbox,
                    actor=SEED_ACTOR,
                    actor_is_admin=True,
                    role=staff.role,
                    email=staff.email,
                    username=staff.username,
                    institution_id=staff.institution_id,
                )
                user.password_hash = await passwords.hash_password(staff.password, settings)
                user.password_changed_at = utcnow()
                user.email_verified = True
                await session.flush()
                await announce_contacts(session, outbox, user)

            registry = RegistryRepository(session)
            index = secrets_for(settings).id_index
            unknown = [
                student
                for student in DEMO_STUDENTS
                if await registry.find("resident_id", index.of(student.id_number)) is None
            ]
            if unknown:
                csv_text = "\n".join([REGISTRY_HEADER, *map(_registry_row, unknown)])
                await import_registry_csv(
                    session, settings, content=csv_text.encode(), actor=SEED_ACTOR
                )

            for student in DEMO_STUDENTS:
                if await users.by_username(student.username) is not None:
                    continue
                registered = await register(
                    session, outbox, settings, _registration(student), ip=SEED_ADDRESS
                )
                # Demo contacts count as verified; real-name verification is left to walk.
                registered.user.email_verified = True
                registered.user.mobile_verified = True
                await session.flush()
                await announce_contacts(session, outbox, registered.user)
    finally:
        await database.dispose()
    return [
        *map(_staff_login, DEMO_STAFF),
        *(
            DemoLogin("applicant", s.username, s.password, f"{s.real_name}, in the dev registry")
            for s in DEMO_STUDENTS
        ),
    ]
