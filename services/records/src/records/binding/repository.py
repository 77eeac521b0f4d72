"""All SQL of binding: verified accounts, the set-based binding of matching records, manual
look-ups, attempt counting and unbinding."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    String,
    and_,
    any_,
    bindparam,
    delete,
    exists,
    extract,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.context import current_request_id
from records.academic.models import MODELS, QualificationRecord, RecordModel, RecordVersion
from records.academic.rules import RecordKind
from records.base import audit
from records.binding.models import BindingAttempt, Unbinding, VerifiedAccount
from records.binding.rules import AUTOMATIC_QUALIFICATIONS_FROM


@dataclass(frozen=True)
class BoundRow:
    record_id: uuid.UUID
    institution_id: str
    user_id: uuid.UUID
    bound_at: datetime | None = None
    kind: RecordKind = RecordKind.STUDENT_STATUS


@lru_cache(maxsize=64)
def _binding_update(kind: RecordKind, given: frozenset[str]) -> Any:
    """UPDATE ... FROM verified_accounts ... RETURNING (record id, institution, account,
    bound_at) of the unbound records of `kind` matching an account, narrowed by the filters
    named in `given` (bound parameters filter_<name>). Built once per shape: composing it
    costs more than running it, and binding runs on every verification."""
    table = MODELS[kind.value].__table__
    model, account = table.c, VerifiedAccount.__table__.c
    conditions: list[Any] = [
        model.owner_id.is_(None),
        model.id_number_hash == account.id_number_hash,
        model.name == account.real_name,
        model.gender == account.gender,
        model.birth_date == account.birth_date,
        ~exists().where(
            Unbinding.kind == kind.value,
            Unbinding.record_id == model.id,
            Unbinding.user_id == account.user_id,
        ),
    ]
    if kind == RecordKind.QUALIFICATION:
        conditions.append(model.graduation_date >= AUTOMATIC_QUALIFICATIONS_FROM)
    if "user_id" in given:
        conditions.append(account.user_id == bindparam("filter_user_id", type_=UUID(as_uuid=True)))
    if "record_ids" in given:
        # One array parameter, whatever the number of ids (an import may pass many).
        ids = bindparam("filter_record_ids", type_=ARRAY(UUID(as_uuid=True)))
        conditions.append(model.id == any_(ids))
    if "institution_id" in given:
        conditions.append(model.institution_id == bindparam("filter_institution_id", type_=String))
    if "source" in given:
        conditions.append(
            exists().where(
                RecordVersion.kind == kind.value,
                RecordVersion.record_id == model.id,
                RecordVersion.version == model.version,
                RecordVersion.source == bindparam("filter_source", type_=String),
            )
        )
    return (
        update(table)
        .where(and_(*conditions))
        .values(owner_id=account.user_id, bound_at=func.clock_timestamp(), bound_via="automatic")
        .returning(model.id, model.institution_id, account.user_id, model.bound_at)
    )


_accounts = VerifiedAccount.__table__
# Built once (see _binding_update): another account that held the number loses it, then the
# account is inserted or refreshed.
_RELEASE_NUMBER = delete(_accounts).where(
    _accounts.c.id_number_hash == bindparam("id_number_hash"),
    _accounts.c.user_id != bindparam("user_id"),
)
_upsert = insert(_accounts).values(
    user_id=bindparam("user_id"),
    id_number_hash=bindparam("id_number_hash"),
    real_name=bindparam("real_name"),
    gender=bindparam("gender"),
    birth_date=bindparam("birth_date"),
    event_id=bindparam("event_id"),
    verified_at=func.now(),
)
_UPSERT_ACCOUNT = _upsert.on_conflict_do_update(
    index_elements=[_accounts.c.user_id],
    set_={
        "id_number_hash": _upsert.excluded.id_number_hash,
        "real_name": _upsert.excluded.real_name,
        "gender": _upsert.excluded.gender,
        "birth_date": _upsert.excluded.birth_date,
        "event_id": _upsert.excluded.event_id,
        "verified_at": func.now(),
    },
)


class VerifiedAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(
        self,
        *,
        user_id: uuid.UUID,
        id_number_hash: str,
        real_name: str,
        gender: str,
        birth_date: date,
        event_id: uuid.UUID | None,
    ) -> None:
        """Insert or refresh the account; another account that held the same number loses it
        (identity lets one account hold a number at a time)."""
        values = {
            "user_id": user_id,
            "id_number_hash": id_number_hash,
            "real_name": real_name,
            "gender": gender,
            "birth_date": birth_date,
            "event_id": event_id,
        }
        await self.session.execute(_RELEASE_NUMBER, values)
        await self.session.execute(_UPSERT_ACCOUNT, values)

    async def get(self, user_id: uuid.UUID) -> VerifiedAccount | None:
        return await self.session.get(VerifiedAccount, user_id)


class BindingRepository:
    """Binding and unbinding of one kind of record."""

    def __init__(self, session: AsyncSession, kind: RecordKind) -> None:
        self.session = session
        self.kind = kind
        self.model: Any = MODELS[kind.value]

    async def bind_automatically(
        self,
        *,
        record_ids: Sequence[uuid.UUID] | None = None,
        institution_id: str | None = None,
        user_id: uuid.UUID | None = None,
        source: str | None = None,
    ) -> list[BoundRow]:
        """Bind, in one UPDATE ... FROM, every unbound record of this kind (within the filters
        given) whose ID hash, name, gender and birth date equal a verified account's."""
        filters = {
            "record_ids": list(record_ids) if record_ids is not None else None,
            "institution_id": institution_id,
            "user_id": user_id,
            "source": source,
        }
        given = frozenset(name for name, value in filters.items() if value is not None)
        statement = _binding_update(self.kind, given)
        # Parameters are named filter_*: a bound name equal to a column of the updated table
        # (institution_id) is reserved by SQLAlchemy for its SET clause.
        values = {f"filter_{name}": value for name, value in filters.items() if value is not None}
        rows = (await self.session.execute(statement, values)).all()
        return [BoundRow(r[0], r[1], r[2], r[3], self.kind) for r in rows]

    async def bind_one(self, record: RecordModel, user_id: uuid.UUID, method: str) -> None:
        record.owner_id = user_id
        record.bound_at = func.clock_timestamp()  # type: ignore[assignment]
        record.bound_via = method
        await self.session.flush()
        await self.session.refresh(record, ["bound_at"])

    async def lock(self, record_id: uuid.UUID) -> RecordModel | None:
        statement = (
            select(self.model)
            .where(self.model.id == record_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def unbind(self, record: RecordModel, *, reason: str, actor: str) -> None:
        assert record.owner_id is not None
        self.session.add(
            Unbinding(
                kind=self.kind.value,
                record_id=record.id,
                user_id=record.owner_id,
                reason=reason,
                unbound_by=actor,
            )
        )
        record.owner_id = None
        record.bound_at = None
        record.bound_via = None
        await self.session.flush()

    async def was_unbound_from(self, record_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        statement = select(
            exists().where(
                Unbinding.kind == self.kind.value,
                Unbinding.record_id == record_id,
                Unbinding.user_id == user_id,
            )
        )
        return bool(await self.session.scalar(statement))


async def old_qualifications(
    session: AsyncSession, *, institution_id: str, graduation_year: int, key: str
) -> Sequence[QualificationRecord]:
    """Qualifications of an institution graduated in a year whose certificate number or
    old-style serial has this key (certificate_key form), locked for binding."""
    model = QualificationRecord
    statement = (
        select(model)
        .where(
            model.institution_id == institution_id,
            extract("year", model.graduation_date) == graduation_year,
            or_(model.certificate_key == key, model.serial_key == key),
        )
        .order_by(model.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(statement)).scalars())


async def count_attempt(session: AsyncSession, user_id: uuid.UUID, day: date) -> int:
    """Count one manual binding attempt of the account on the day; return the day's total."""
    statement = (
        insert(BindingAttempt)
        .values(user_id=user_id, day=day, attempts=1)
        .on_conflict_do_update(
            index_elements=[BindingAttempt.user_id, BindingAttempt.day],
            set_={"attempts": BindingAttempt.attempts + 1},
        )
        .returning(BindingAttempt.attempts)
    )
    return int((await session.execute(statement)).scalar_one())


async def add_audit_entries(
    session: AsyncSession, rows: Sequence[BoundRow], *, actor: str, method: str
) -> None:
    """One audit entry per bound record, written with one statement."""
    if not rows:
        return
    request_id = current_request_id()
    await session.execute(
        audit.table.insert(),
        [
            {
                "id": uuid.uuid4(),
                "actor": actor,
                "action": "record.bound",
                "subject_type": f"record.{row.kind.value}",
                "subject_id": str(row.record_id),
                "before": None,
                "after": {"owner_id": str(row.user_id), "bound_via": method},
                "request_id": request_id,
            }
            for row in rows
        ],
    )
