"""Institutions: operators create, edit, merge and close them; everyone may look them up."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.audit import AuditLog
from records.exceptions import (
    InstitutionExists,
    InstitutionInactive,
    InstitutionNotFound,
    field_error,
)
from records.institutions.models import Institution
from records.institutions.repository import InstitutionRepository
from records.institutions.rules import InstitutionStatus
from records.institutions.schemas import InstitutionCreate, InstitutionUpdate

AUDITED_FIELDS = (
    "name_zh", "name_en", "province", "city", "authority", "kind", "status", "successor_id",
)  # fmt: skip
NULLABLE_FIELDS = frozenset({"city", "authority", "successor_id"})


def snapshot(institution: Institution) -> dict[str, Any]:
    return {name: getattr(institution, name) for name in AUDITED_FIELDS}


async def get_institution(session: AsyncSession, institution_id: str) -> Institution:
    """Return an institution or raise InstitutionNotFound."""
    institution = await InstitutionRepository(session).get(institution_id)
    if institution is None:
        raise InstitutionNotFound()
    return institution


async def reporting_institution(session: AsyncSession, institution_id: str) -> Institution:
    """Return an institution that may still report records (active), or refuse."""
    institution = await get_institution(session, institution_id)
    if institution.status != InstitutionStatus.ACTIVE:
        raise InstitutionInactive()
    return institution


async def create_institution(
    session: AsyncSession, audit: AuditLog, *, data: InstitutionCreate, actor: str
) -> Institution:
    """Create an institution (operators; audited)."""
    repository = InstitutionRepository(session)
    if await repository.get(data.id) is not None:
        raise InstitutionExists()
    institution = Institution(
        **data.model_dump(), status=InstitutionStatus.ACTIVE, updated_by=actor
    )
    await repository.add(institution)
    await audit.record(
        session,
        actor=actor,
        action="institution.created",
        subject_type="institution",
        subject_id=institution.id,
        after=snapshot(institution),
    )
    return institution


async def update_institution(
    session: AsyncSession,
    audit: AuditLog,
    *,
    institution_id: str,
    data: InstitutionUpdate,
    actor: str,
) -> Institution:
    """Edit, merge into a successor, or close an institution (operators; audited)."""
    repository = InstitutionRepository(session)
    institution = await repository.lock(institution_id)
    if institution is None:
        raise InstitutionNotFound()
    before = snapshot(institution)
    changes = {
        name: value
        for name, value in data.model_dump(exclude_unset=True, exclude={"reason"}).items()
        # A null clears an optional field (city, authority); required ones keep their value.
        if value is not None or name in NULLABLE_FIELDS
    }
    status = changes.get("status", institution.status)
    successor_id = changes.get("successor_id", institution.successor_id)
    if status == InstitutionStatus.MERGED:
        if successor_id is None:
            raise field_error(
                "successor_id",
                "successor_required",
                "A merged institution names its successor",
                "合并的院校须指明合并后的院校",
            )
        if successor_id == institution_id:
            raise field_error(
                "successor_id",
                "successor_self",
                "An institution cannot merge into itself",
                "院校不能合并到自身",
            )
        successor = await repository.get(successor_id)
        if successor is None or successor.status != InstitutionStatus.ACTIVE:
            raise field_error(
                "successor_id",
                "successor_not_active",
                "The successor must be an active institution",
                "合并后的院校须为正常状态",
            )
    else:
        successor_id = None
    for name, value in changes.items():
        if name != "successor_id":
            setattr(institution, name, value)
    institution.successor_id = successor_id
    institution.updated_by = actor
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="institution.updated",
        subject_type="institution",
        subject_id=institution.id,
        before={**before, "reason": None},
        after={**snapshot(institution), "reason": data.reason},
    )
    return institution
