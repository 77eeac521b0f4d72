"""Binding records to accounts: automatically when the account's real name is verified or a
matching record arrives, by hand for old qualifications, and unbinding by operators.

Automatic binding is one set-based function, `bind_matching`, used by the realname event, by
one-by-one reporting and by the bulk import: an UPDATE ... FROM per kind, then one event and
one audit entry per bound record.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.audit import AuditLog
from educert_common.db import utcnow
from educert_common.errors import FieldError, Text
from educert_common.events.catalogue import RecordBound, RecordUnbound, UserRealnameVerified
from educert_common.events.outbox import Outbox
from records.academic.models import QualificationRecord, RecordModel
from records.academic.rules import RecordKind, certificate_key
from records.binding.models import VerifiedAccount
from records.binding.repository import (
    BindingRepository,
    BoundRow,
    VerifiedAccountRepository,
    add_audit_entries,
    count_attempt,
    old_qualifications,
)
from records.binding.rules import METHOD_AUTOMATIC, METHOD_MANUAL, normalise_name
from records.exceptions import (
    BindingAttemptsExceeded,
    BindingRemoved,
    NoSuchRecord,
    RealnameRequired,
    RecordBoundElsewhere,
    RecordDetailsDiffer,
    RecordNotBound,
    RecordNotFound,
)
from records.reports import service as reports

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def bind_matching(
    session: AsyncSession,
    outbox: Outbox,
    *,
    kind: RecordKind,
    record_ids: Sequence[uuid.UUID] | None = None,
    institution_id: str | None = None,
    user_id: uuid.UUID | None = None,
    source: str | None = None,
    actor: str = "system",
) -> list[BoundRow]:
    """Bind the unbound records of one kind that match a verified account, within the filters
    given (ids; an institution; one account; records whose current version came from `source`,
    e.g. "import:<job id>"); emit `records.record.bound` and audit each."""
    rows = await BindingRepository(session, kind).bind_automatically(
        record_ids=record_ids, institution_id=institution_id, user_id=user_id, source=source
    )
    await _announce(session, outbox, rows, actor=actor, method=METHOD_AUTOMATIC)
    return rows


async def _announce(
    session: AsyncSession,
    outbox: Outbox,
    rows: Sequence[BoundRow],
    *,
    actor: str,
    method: str,
) -> None:
    if not rows:
        return
    await outbox.add_many(
        session,
        [
            (
                RecordBound(
                    record_id=row.record_id,
                    kind=row.kind.value,
                    institution_id=row.institution_id,
                    user_id=row.user_id,
                    method=method,  # type: ignore[arg-type]
                ),
                str(row.record_id),
            )
            for row in rows
        ],
    )
    await add_audit_entries(session, rows, actor=actor, method=method)


async def account_verified(
    session: AsyncSession, outbox: Outbox, *, event: UserRealnameVerified, event_id: uuid.UUID
) -> list[BoundRow]:
    """Keep the verified account and bind every record of every kind that matches it (safe to
    run again for the same account: bound records are skipped)."""
    await VerifiedAccountRepository(session).save(
        user_id=event.user_id,
        id_number_hash=event.id_number_hash,
        real_name=normalise_name(event.real_name),
        gender=event.gender,
        birth_date=event.birth_date,
        event_id=event_id,
    )
    # One UPDATE per kind (one statement joining the three UPDATEs in WITH plans far slower),
    # then one outbox and one audit statement for all of them.
    bound: list[BoundRow] = []
    for kind in RecordKind:
        bound += await BindingRepository(session, kind).bind_automatically(user_id=event.user_id)
    await _announce(session, outbox, bound, actor="system", method=METHOD_AUTOMATIC)
    return bound


async def bind_by_hand(
    session: AsyncSession,
    outbox: Outbox,
    *,
    user_id: uuid.UUID,
    institution_id: str,
    graduation_year: int,
    certificate_number: str,
) -> QualificationRecord:
    """Bind an old qualification (graduated 1991-2001) by its certificate number or serial,
    graduation year and institution, if its person fields equal the account's."""
    account = await VerifiedAccountRepository(session).get(user_id)
    if account is None:
        raise RealnameRequired()
    candidates = await old_qualifications(
        session,
        institution_id=institution_id,
        graduation_year=graduation_year,
        key=certificate_key(certificate_number),
    )
    if not candidates:
        raise NoSuchRecord()
    # Two certificates whose own number and serial collide: prefer the one of this person.
    record = next(
        (c for c in candidates if c.id_number_hash == account.id_number_hash), candidates[0]
    )
    if record.owner_id == user_id:
        return record
    if record.owner_id is not None:
        raise RecordBoundElsewhere()
    repository = BindingRepository(session, RecordKind.QUALIFICATION)
    if await repository.was_unbound_from(record.id, user_id):
        raise BindingRemoved()
    differing = differing_fields(record, account)
    if differing:
        raise RecordDetailsDiffer(errors=[_difference(name) for name in differing])
    await repository.bind_one(record, user_id, METHOD_MANUAL)
    row = BoundRow(record.id, record.institution_id, user_id, kind=RecordKind.QUALIFICATION)
    await _announce(session, outbox, [row], actor=str(user_id), method=METHOD_MANUAL)
    return record


def differing_fields(record: RecordModel, account: VerifiedAccount) -> list[str]:
    """The person fields of the record that differ from the account's (names only, never the
    stored values)."""
    differing = []
    if record.name != account.real_name:
        differing.append("name")
    if record.id_number_hash != account.id_number_hash:
        differing.append("id_number")
    if record.birth_date != account.birth_date:
        differing.append("birth_date")
    if record.gender != account.gender:
        differing.append("gender")
    return differing


_FIELD_LABELS = {
    "name": ("name", "姓名"),
    "id_number": ("ID number", "证件号码"),
    "birth_date": ("birth date", "出生日期"),
    "gender": ("gender", "性别"),
}


def _difference(name: str) -> FieldError:
    en, zh = _FIELD_LABELS[name]
    return FieldError(
        name,
        "differs_from_account",
        Text(
            f"The {en} on the record differs from your real-name data; ask the institution "
            "that issued the record to correct it",
            f"记录上的{zh}与您的实名信息不一致,请联系发证院校更正",
        ),
    )


async def count_manual_attempt(
    session: AsyncSession, *, user_id: uuid.UUID, now: datetime, daily_cap: int
) -> None:
    """Count a manual binding attempt; refuse (429) beyond the day's cap. The caller commits
    the count in its own transaction, so a refused attempt still counts."""
    attempts = await count_attempt(session, user_id, now.astimezone(SHANGHAI).date())
    if attempts > daily_cap:
        raise BindingAttemptsExceeded()


async def unbind(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    *,
    kind: RecordKind,
    record_id: uuid.UUID,
    reason: str,
    actor: str,
) -> RecordModel:
    """Take a record out of its account's archive (operators), with the reason; automatic
    binding will not put it back into that account."""
    repository = BindingRepository(session, kind)
    record = await repository.lock(record_id)
    if record is None:
        raise RecordNotFound()
    if record.owner_id is None:
        raise RecordNotBound()
    owner_id = record.owner_id
    before = {
        "owner_id": str(owner_id),
        "bound_via": record.bound_via,
        "bound_at": record.bound_at.isoformat() if record.bound_at else None,
    }
    await repository.unbind(record, reason=reason, actor=actor)
    await reports.revoke_reports_of(
        session, audit, outbox, kind=kind, record_id=record.id, reason="record_unbound",
        actor=actor, now=utcnow(),
    )  # fmt: skip
    await outbox.add(
        session,
        RecordUnbound(record_id=record.id, kind=kind.value, user_id=owner_id, reason=reason),
        subject=str(record.id),
    )
    await audit.record(
        session,
        actor=actor,
        action="record.unbound",
        subject_type=f"record.{kind.value}",
        subject_id=str(record.id),
        before=before,
        after={"owner_id": None, "reason": reason},
    )
    return record
