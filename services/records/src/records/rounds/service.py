"""Degree application rounds: staff of the institution (or operators) open, change and list
them; a student sees the rounds open at institutions holding their records."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.audit import AuditLog
from educert_common.errors import FieldError, PermissionDenied, Text, ValidationFailed
from educert_common.http.pagination import Page, PageParams
from records.academic.models import RecordModel
from records.access import InstitutionActor
from records.exceptions import InstitutionNotFound
from records.institutions.repository import InstitutionRepository
from records.rounds.exceptions import RoundNotFound
from records.rounds.models import DegreeRound
from records.rounds.repository import RoundRepository, bound_institutions, bound_records
from records.rounds.rules import record_matches


def check_actor(actor: InstitutionActor, institution_id: str) -> None:
    if not actor.may_act_on(institution_id):
        raise PermissionDenied()


async def open_round(
    session: AsyncSession,
    audit: AuditLog,
    *,
    actor: InstitutionActor,
    institution_id: str,
    values: dict[str, Any],
    now: datetime,
) -> DegreeRound:
    """Open a round at the institution (its staff, or an operator)."""
    check_actor(actor, institution_id)
    if await InstitutionRepository(session).get(institution_id) is None:
        raise InstitutionNotFound()
    round_ = DegreeRound(
        institution_id=institution_id, created_by=actor.actor, created_at=now, updated_at=now,
        **values,
    )  # fmt: skip
    await RoundRepository(session).add(round_)
    await audit.record(
        session, actor=actor.actor, action="degree_round.opened", subject_type="degree_round",
        subject_id=str(round_.id), after=_round_json(round_),
    )  # fmt: skip
    return round_


def _round_json(round_: DegreeRound) -> dict[str, Any]:
    return {
        "institution_id": round_.institution_id,
        "title": round_.title,
        "opens_at": round_.opens_at.isoformat(),
        "closes_at": round_.closes_at.isoformat(),
        "level": round_.level,
        "education_type": round_.education_type,
        "required_materials": list(round_.required_materials),
    }


async def staff_round(
    session: AsyncSession, actor: InstitutionActor, institution_id: str, round_id: uuid.UUID
) -> DegreeRound:
    check_actor(actor, institution_id)
    round_ = await RoundRepository(session).of_institution(round_id, institution_id)
    if round_ is None:
        raise RoundNotFound()
    return round_


async def change_round(
    session: AsyncSession,
    audit: AuditLog,
    *,
    actor: InstitutionActor,
    institution_id: str,
    round_id: uuid.UUID,
    title: str | None,
    closes_at: datetime | None,
    now: datetime,
) -> DegreeRound:
    """Rename a round or move its closing time (to close it early, or extend it)."""
    round_ = await staff_round(session, actor, institution_id, round_id)
    before = _round_json(round_)
    if closes_at is not None:
        if closes_at <= round_.opens_at:
            raise ValidationFailed(
                errors=[
                    FieldError(
                        "closes_at", "before_opening",
                        Text("closes_at must be after opens_at", "截止时间须晚于开始时间"),
                    )
                ]
            )  # fmt: skip
        round_.closes_at = closes_at
    if title is not None:
        round_.title = title
    round_.updated_at = now
    await session.flush()
    await audit.record(
        session, actor=actor.actor, action="degree_round.changed", subject_type="degree_round",
        subject_id=str(round_.id), before=before, after=_round_json(round_),
    )  # fmt: skip
    return round_


async def rounds_of(
    session: AsyncSession, actor: InstitutionActor, institution_id: str, params: PageParams
) -> Page[Any]:
    check_actor(actor, institution_id)
    return await RoundRepository(session).page_of(institution_id, params)


async def open_rounds_for(
    session: AsyncSession, *, applicant_id: uuid.UUID, now: datetime
) -> list[tuple[DegreeRound, bool]]:
    """Rounds open now at institutions holding the student's records, each with whether
    one of those records makes the student eligible."""
    institutions = await bound_institutions(session, applicant_id)
    if not institutions:
        return []
    rounds = await RoundRepository(session).open_at(institutions, now)
    records: dict[str, list[Any]] = {}
    result = []
    for round_ in rounds:
        if round_.institution_id not in records:
            records[round_.institution_id] = await bound_records(
                session, applicant_id, round_.institution_id
            )
        eligible = any(
            record_matches(r, level=round_.level, education_type=round_.education_type)
            for r in records[round_.institution_id]
        )
        result.append((round_, eligible))
    return result


async def eligible_record(
    session: AsyncSession, *, applicant_id: uuid.UUID, round_: DegreeRound
) -> RecordModel | None:
    """The applicant's bound record at the round's institution that matches it, if any."""
    for record in await bound_records(session, applicant_id, round_.institution_id):
        if record_matches(record, level=round_.level, education_type=round_.education_type):
            return record
    return None
