"""Reporting records one at a time: every change a new version, the same facts again nothing.

The bulk import (records.imports) applies the same rules to whole files with set-based SQL;
both go through `rules.check_row` and `rules.content_hash`, so a row means the same thing
whichever way it arrives.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from educert_common.audit import AuditLog
from educert_common.db import utcnow
from educert_common.errors import ValidationFailed
from educert_common.events.catalogue import RecordReported
from educert_common.events.outbox import Outbox
from records.academic.models import MODELS, RecordModel, RecordVersion, StatusChange
from records.academic.repository import RecordRepository, merged_school_codes
from records.academic.rules import (
    KIND_FIELDS,
    PERSON_FIELDS,
    RecordKind,
    RowContext,
    certificate_key,
    check_row,
    content_hash,
)
from records.academic.schemas import OUT_MODELS, RecordBase, VersionOut
from records.binding import service as binding
from records.config import RecordsSettings
from records.crypto import Secrets
from records.exceptions import RecordNotFound, RecordOwnedElsewhere, field_error
from records.institutions.service import reporting_institution
from records.reports import service as reports


@dataclass(frozen=True)
class Reported:
    record: RecordModel
    changed: bool
    created: bool


def facts_of(record: RecordModel, kind: RecordKind) -> dict[str, Any]:
    """The reported fields of a record as JSON-ready values (no ID number)."""
    facts: dict[str, Any] = {}
    for name in (*PERSON_FIELDS, *KIND_FIELDS[kind]):
        if name == "id_number":
            continue
        value = getattr(record, name)
        facts[name] = (
            value.isoformat()
            if isinstance(value, date)
            else (str(value) if value is not None and not isinstance(value, str) else value)
        )
    return facts


async def report_record(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    secrets: Secrets,
    settings: RecordsSettings,
    *,
    kind: RecordKind,
    institution_id: str,
    student_number: str,
    fields: dict[str, Any],
    reason: str | None,
    actor: str,
    source: str = "api",
) -> Reported:
    """Create a record or a new version of it; the same facts again change nothing."""
    await reporting_institution(session, institution_id)
    context = RowContext(
        institution_id=institution_id,
        school_codes=await merged_school_codes(session, institution_id),
        earliest_year=settings.earliest_record_year,
    )
    checked = check_row(kind, {**fields, "student_number": student_number}, context)
    if not checked.ok:
        raise ValidationFailed(errors=checked.errors)
    values = checked.values
    id_hash = secrets.id_index.of(values["id_number"])
    fingerprint = content_hash(kind, values, id_hash)
    repository = RecordRepository(session, kind)
    record = await repository.by_student_number(institution_id, values["student_number"], lock=True)
    if record is not None and record.content_hash == fingerprint:
        return Reported(record, changed=False, created=False)
    if "certificate_number" in values:
        await _refuse_certificate_held_elsewhere(
            repository, values["certificate_number"], institution_id, values["student_number"]
        )
    before = facts_of(record, kind) if record is not None else None
    previous_status = getattr(record, "status", None)
    created = record is None
    if record is None:
        record = MODELS[kind.value](institution_id=institution_id, version=1, updated_by=actor)
    else:
        record.version += 1
    _apply(record, kind, values)
    record.id_number_encrypted = secrets.seal_id_number(values["id_number"])
    record.id_number_hash = id_hash
    record.content_hash = fingerprint
    record.updated_by = actor
    record.updated_at = utcnow()
    if created:
        await repository.add(record)
    await publish_version(
        session,
        outbox,
        record,
        kind,
        facts=facts_of(record, kind),
        actor=actor,
        reason=reason,
        source=source,
    )
    if kind == RecordKind.STUDENT_STATUS and values["status"] != previous_status:
        await repository.add(
            StatusChange(
                record_id=record.id,
                status=values["status"],
                effective_on=values.get("status_date") or utcnow().date(),
                version=record.version,
            )
        )
    await audit.record(
        session,
        actor=actor,
        action="record.reported" if created else "record.changed",
        subject_type=f"record.{kind.value}",
        subject_id=str(record.id),
        before=before,
        after={**facts_of(record, kind), "version": record.version, "reason": reason},
    )
    if record.owner_id is None:
        # The account may have been verified before the record arrived: bind it now.
        for row in await binding.bind_matching(session, outbox, kind=kind, record_ids=[record.id]):
            set_committed_value(record, "owner_id", row.user_id)
            set_committed_value(record, "bound_at", row.bound_at)
            set_committed_value(record, "bound_via", binding.METHOD_AUTOMATIC)
    return Reported(record, changed=True, created=created)


async def publish_version(
    session: AsyncSession,
    outbox: Outbox,
    record: RecordModel,
    kind: RecordKind,
    *,
    facts: dict[str, Any],
    actor: str,
    reason: str | None,
    source: str,
) -> None:
    """Keep the record's current version in the history and announce it (the caller has
    already raised `record.version`)."""
    session.add(
        RecordVersion(
            kind=kind.value,
            record_id=record.id,
            version=record.version,
            facts=facts,
            id_number_encrypted=record.id_number_encrypted,
            content_hash=record.content_hash,
            changed_by=actor,
            reason=reason,
            source=source,
        )
    )
    await session.flush()
    await outbox.add(
        session,
        RecordReported(
            record_id=record.id,
            kind=kind.value,
            institution_id=record.institution_id,
            version=record.version,
            owner_id=record.owner_id,
        ),
        subject=str(record.id),
    )
    if record.version > 1:
        # A report is a snapshot of the facts: once they change, its reports are revoked.
        await reports.revoke_reports_of(
            session, None, outbox, kind=kind, record_id=record.id, reason="record_changed",
            actor=actor, now=utcnow(),
        )  # fmt: skip


def _apply(record: RecordModel, kind: RecordKind, values: dict[str, Any]) -> None:
    for name in (*PERSON_FIELDS, *KIND_FIELDS[kind]):
        if name != "id_number":
            setattr(record, name, values.get(name))
    if kind in (RecordKind.QUALIFICATION, RecordKind.DEGREE):
        record.certificate_key = certificate_key(values["certificate_number"])  # type: ignore[union-attr]
    if kind == RecordKind.QUALIFICATION:
        serial = values.get("serial_number")
        record.serial_key = certificate_key(serial) if serial else None  # type: ignore[union-attr]


async def _refuse_certificate_held_elsewhere(
    repository: RecordRepository, number: str, institution_id: str, student_number: str
) -> None:
    for holder in await repository.holders_of_certificate(certificate_key(number)):
        if holder.institution_id != institution_id:
            raise RecordOwnedElsewhere()
        if holder.student_number != student_number:
            raise field_error(
                "certificate_number",
                "certificate_number_taken",
                "Another student's record already has this certificate number",
                "该证书编号已属于本校另一名学生的记录",
            )


async def get_record(
    session: AsyncSession, *, kind: RecordKind, record_id: uuid.UUID, institution_id: str | None
) -> RecordModel:
    """A record of one institution (None: any institution, for operators), or 404."""
    record = await RecordRepository(session, kind).by_id(record_id, institution_id=institution_id)
    if record is None:
        raise RecordNotFound()
    return record


# The columns a record's view is made of beyond its model's fields.
_VIEW_SOURCES = ("id_number_encrypted", "photo_key", "owner_id")


def view_fields(values: Mapping[str, Any], kind: RecordKind, secrets: Secrets) -> dict[str, Any]:
    """The fields of a record's view (`OUT_MODELS[kind]`) from its column values: a model's
    attributes or a raw row (the archive's reads)."""
    data = {name: values[name] for name in OUT_MODELS[kind].model_fields if name in values}
    data.update(
        kind=kind,
        id_number_masked=secrets.masked_id_number(values["id_number_encrypted"]),
        has_photo=values["photo_key"] is not None,
        bound=values["owner_id"] is not None,
    )
    return data


def view_of(record: RecordModel, kind: RecordKind, secrets: Secrets) -> RecordBase:
    """The record as its institution and its student see it (the ID number masked)."""
    model = OUT_MODELS[kind]
    names = (*model.model_fields, *_VIEW_SOURCES)
    values = {name: getattr(record, name) for name in names if hasattr(record, name)}
    return model.model_validate(view_fields(values, kind, secrets))


def shown_facts(facts: Mapping[str, Any], sealed_id_number: bytes, secrets: Secrets) -> dict:
    """A version's facts as shown: with the ID number masked (the facts never hold it)."""
    return {**facts, "id_number_masked": secrets.masked_id_number(sealed_id_number)}


def version_view(version: RecordVersion, secrets: Secrets) -> VersionOut:
    facts = shown_facts(version.facts, version.id_number_encrypted, secrets)
    return VersionOut(
        version=version.version,
        facts=facts,
        changed_by=version.changed_by,
        reason=version.reason,
        source=version.source,
        created_at=version.created_at,
    )
