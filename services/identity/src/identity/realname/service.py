"""Real-name verification against the population registry, and loading the dev registry."""

import asyncio
import csv
import io
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import utcnow
from educert_common.errors import FieldError, Text, ValidationFailed
from educert_common.events.catalogue import UserRealnameVerified
from educert_common.events.outbox import Outbox
from educert_common.http.client_ip import address_key
from educert_common.masking import mask_id_number
from identity.accounts.models import RealnameStatus, User
from identity.accounts.rules import VALID_FROM_CONTEXT, VALID_TO_CONTEXT, id_number_of
from identity.accounts.service import get_user
from identity.accounts.validation import (
    GB11643_TYPES,
    IdType,
    Problems,
    check_gb11643,
    check_name,
    normalise_id_number,
)
from identity.base import audit
from identity.config import IdentitySettings
from identity.crypto import secrets_for
from identity.exceptions import (
    RealnameAttemptsExceeded,
    RealnameIpLimited,
    RealnameLocked,
    RegistryUnavailable,
)
from identity.limits.service import count_and_check
from identity.realname.models import RegistryPerson
from identity.realname.registry import (
    REGISTRY_CONTEXT,
    Answer,
    DevelopmentRegistry,
    DisabledRegistry,
    Outcome,
    Person,
    PopulationRegistry,
    RegistryTemporarilyUnavailable,
)
from identity.realname.repository import RegistryRepository

logger = logging.getLogger(__name__)

RegistryFactory = Callable[[AsyncSession, IdentitySettings], PopulationRegistry]


def development_registry(session: AsyncSession, settings: IdentitySettings) -> PopulationRegistry:
    return DevelopmentRegistry(session, settings, secrets_for(settings))


def disabled_registry(session: AsyncSession, settings: IdentitySettings) -> PopulationRegistry:
    return DisabledRegistry()


REGISTRY_ADAPTERS: dict[str, RegistryFactory] = {
    "development": development_registry,
    "disabled": disabled_registry,
}


def configured_registry(session: AsyncSession, settings: IdentitySettings) -> PopulationRegistry:
    """The adapter `IDENTITY_REGISTRY_ADAPTER` names (production refuses "development")."""
    return REGISTRY_ADAPTERS[settings.registry_adapter](session, settings)


async def ask_with_retries(
    registry: PopulationRegistry, person: Person, settings: IdentitySettings
) -> Answer:
    """Ask up to `registry_max_attempts` times with doubling backoff, then give up (503)."""
    delay = settings.registry_backoff_seconds
    for attempt in range(1, settings.registry_max_attempts + 1):
        try:
            return await registry.check(person)
        except RegistryTemporarilyUnavailable:
            logger.warning("registry unavailable", extra={"attempt": attempt})
            if attempt == settings.registry_max_attempts:
                break
            await asyncio.sleep(delay)
            delay *= 2
    raise RegistryUnavailable()


def person_of(user: User, number: str, settings: IdentitySettings) -> Person:
    """What the account claims, as the registry is asked about it (the number in clear)."""
    s = secrets_for(settings)
    valid_from = s.decrypt_date(user.id_valid_from_encrypted, context=VALID_FROM_CONTEXT)
    assert valid_from is not None and user.id_type is not None and user.birth_date is not None
    return Person(
        id_type=user.id_type,
        id_number=number,
        real_name=user.real_name or "",
        gender=user.gender or "",
        birth_date=user.birth_date,
        valid_from=valid_from,
        valid_to=s.decrypt_date(user.id_valid_to_encrypted, context=VALID_TO_CONTEXT),
    )


async def check_person_for_photo(
    session: AsyncSession,
    settings: IdentitySettings,
    *,
    user_id: uuid.UUID,
    real_name: str,
    id_number_hash: str,
    photo_sha256: str,
    registry_factory: RegistryFactory = configured_registry,
) -> Answer:
    """The identity check of a photo upload (records): is the account the person on the
    record (name and ID number), and does the population registry know that person as the
    account states them? Asked with the same adapter and retries as real-name verification;
    503 if the registry does not answer. An unknown or closed account is 404."""
    user = await get_user(session, user_id)
    number = id_number_of(user, settings)
    if number is None or user.id_type is None or user.birth_date is None:
        return Answer(Outcome.MISMATCH, "id_number")
    if user.id_number_hash != id_number_hash:
        return Answer(Outcome.MISMATCH, "id_number")
    if (user.real_name or "").replace(" ", "") != real_name.replace(" ", ""):
        return Answer(Outcome.MISMATCH, "real_name")
    person = person_of(user, number, settings)
    answer = await ask_with_retries(registry_factory(session, settings), person, settings)
    await audit(
        session,
        actor="records",
        action="registry.photo_checked",
        subject_type="user",
        subject_id=user.id,
        after={"outcome": answer.outcome.value, "field": answer.field, "photo": photo_sha256},
    )
    return answer


async def verify_realname(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    user_id: str,
    ip: str,
    registry_factory: RegistryFactory = configured_registry,
) -> User:
    """Check the account's identity with the registry; on a match lock it and announce it.

    Checks are capped per account and per client address in 24 h (rows in this transaction:
    a registry outage, which rolls back, costs no attempt). The mismatching field is told
    only while under the cap; beyond it the answer is 429 and an operator must help.
    """
    user = await get_user(session, user_id, lock=True)
    if user.realname_status == RealnameStatus.VERIFIED:
        return user
    if user.realname_status == RealnameStatus.PENDING_APPEAL or not user.id_holder:
        raise RealnameLocked(
            Text("The ID number waits for an appeal decision", "该证件号码正在申诉审核中")
        )
    number = id_number_of(user, settings)
    if number is None or user.id_type is None or user.birth_date is None:
        raise ValidationFailed(Text("The account has no identity to verify", "账号无实名信息"))
    # The account row is locked above, so one account's checks are serialised.
    await count_and_check(
        session,
        kind="realname_account",
        key=str(user.id),
        limit=settings.realname_daily_cap_per_account,
        error=RealnameAttemptsExceeded,
    )
    await count_and_check(
        session,
        kind="realname_ip",
        key=address_key(ip),
        limit=settings.realname_daily_cap_per_ip,
        error=RealnameIpLimited,
    )
    s = secrets_for(settings)
    person = person_of(user, number, settings)
    answer = await ask_with_retries(registry_factory(session, settings), person, settings)
    user.realname_attempts += 1
    before = user.realname_status
    if answer.outcome == Outcome.MATCH:
        user.realname_status = RealnameStatus.VERIFIED
        user.realname_mismatch_field = None
        user.realname_verified_at = utcnow()
        await outbox.add(
            session,
            UserRealnameVerified(
                user_id=user.id,
                id_number_hash=user.id_number_hash or s.id_index.of(number),
                real_name=person.real_name,
                gender=person.gender,  # type: ignore[arg-type]
                birth_date=person.birth_date,
            ),
            subject=str(user.id),
        )
    elif answer.outcome == Outcome.MISMATCH:
        user.realname_status = RealnameStatus.MISMATCH
        user.realname_mismatch_field = answer.field
    else:
        user.realname_status = RealnameStatus.NOT_FOUND
        user.realname_mismatch_field = None
    await session.flush()
    await audit(
        session,
        actor=str(user.id),
        action="realname.checked",
        subject_type="user",
        subject_id=user.id,
        before={"status": before},
        after={
            "status": user.realname_status,
            "field": user.realname_mismatch_field,
            "id_number": mask_id_number(number),
        },
    )
    return user


# Loading the development registry -----------------------------------------------------------

CSV_COLUMNS = ("id_type", "id_number", "name", "gender", "birth_date", "valid_from", "valid_to")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[FieldError] = field(default_factory=list)


def _date(value: str) -> date | None:
    value = value.strip()
    if value in ("", "长期", "long-term"):
        return None
    return date.fromisoformat(value)


async def import_registry_csv(
    session: AsyncSession, settings: IdentitySettings, *, content: bytes, actor: str
) -> ImportResult:
    """Load people from CSV (all rows or none); rows with a known ID number are replaced."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(Text("The CSV must be UTF-8", "CSV 须为 UTF-8 编码")) from exc
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or set(CSV_COLUMNS) - set(reader.fieldnames):
        message = Text(f"The CSV header must be: {','.join(CSV_COLUMNS)}", "CSV 表头不正确")
        raise ValidationFailed(message, errors=[FieldError("file", "csv_header", message)])
    s = secrets_for(settings)
    repository = RegistryRepository(session)
    result = ImportResult()
    rows: list[tuple[str, str, RegistryPerson]] = []
    for line, row in enumerate(reader, start=2):
        problems = Problems()
        try:
            id_type = IdType(row["id_type"].strip())
            number = normalise_id_number(row["id_number"] or "")
            gender = row["gender"].strip()
            birth = _date(row["birth_date"] or "")
            valid_from = _date(row["valid_from"] or "")
            valid_to = _date(row["valid_to"] or "")
        except (ValueError, AttributeError):
            result.errors.append(
                FieldError(
                    f"line.{line}", "csv_row_invalid", Text("Unreadable row", "无法读取此行")
                )
            )
            continue
        if id_type in GB11643_TYPES:
            facts = check_gb11643(number, id_type, problems, f"line.{line}.id_number")
            if facts is not None and birth is None:
                birth = facts.birth_date
        name = check_name(
            row["name"] or "", "CN" if id_type != IdType.FOREIGN_PASSPORT else "XX", problems
        )
        if gender not in ("male", "female") or birth is None or valid_from is None:
            problems.add(
                f"line.{line}",
                "csv_row_invalid",
                "gender, birth_date or valid_from is missing",
                "性别、出生日期或有效期起始缺失",
            )
        if problems.errors:
            result.errors.extend(
                FieldError(
                    e.field if e.field.startswith("line.") else f"line.{line}.{e.field}",
                    e.code,
                    e.message,
                )
                for e in problems.errors
            )
            continue
        assert birth is not None and valid_from is not None
        person = RegistryPerson(
            id=uuid.uuid4(),
            id_type=id_type.value,
            id_number_hash=s.id_index.of(number),
            id_number_encrypted=s.personal.encrypt(number, context=f"{REGISTRY_CONTEXT}.id_number"),
            name_encrypted=s.personal.encrypt(name, context=f"{REGISTRY_CONTEXT}.name"),
            gender=gender,
            birth_date_encrypted=s.personal.encrypt(
                birth.isoformat(), context=f"{REGISTRY_CONTEXT}.birth_date"
            ),
            valid_from_encrypted=s.personal.encrypt(
                valid_from.isoformat(), context=f"{REGISTRY_CONTEXT}.valid_from"
            ),
            valid_to_encrypted=s.encrypt_date(valid_to, context=f"{REGISTRY_CONTEXT}.valid_to"),
        )
        rows.append((id_type.value, person.id_number_hash, person))
    if result.errors:
        raise ValidationFailed(
            Text("Some rows were refused; nothing was imported", "部分行有误,未导入任何数据"),
            errors=result.errors[:100],
        )
    for id_type_value, id_hash, person in rows:
        if await repository.replace(id_type_value, id_hash, person):
            result.updated += 1
        else:
            result.created += 1
    await session.flush()
    await audit(
        session,
        actor=actor,
        action="registry.imported",
        subject_type="registry",
        subject_id="registry_people",
        after={"created": result.created, "updated": result.updated},
    )
    return result
