"""The student's archive (学信档案): their own records of all kinds, one in detail with its
history and institution, and the photo on it. Another account's record is simply not found."""

import uuid
from dataclasses import dataclass
from typing import Any

import filetype
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.http.pagination import Page, PageParams, cursor_invalid
from educert_common.storage import IMAGE_TYPES, FileStorage
from records.academic import service as academic
from records.academic.models import RecordModel
from records.academic.repository import RecordRepository
from records.academic.rules import RecordKind
from records.academic.schemas import StatusChangeOut
from records.archive.repository import ArchiveRepository
from records.archive.schemas import (
    ArchiveDetail,
    ArchiveEntry,
    ArchiveVersion,
    InstitutionName,
    InstitutionRef,
    SupportDetail,
)
from records.crypto import Secrets
from records.exceptions import PhotoNotFound, RecordNotFound


def _check_cursor(params: PageParams) -> None:
    if params.cursor is None:
        return
    try:
        uuid.UUID(params.cursor.id)
        if params.cursor.created_at.tzinfo is None:
            raise ValueError("a cursor's time carries its offset")
    except ValueError:
        raise cursor_invalid() from None


async def list_archive(
    session: AsyncSession, *, owner_id: uuid.UUID, params: PageParams
) -> Page[ArchiveEntry]:
    """List the account's records of all three kinds, newest first."""
    _check_cursor(params)
    rows, cursor = await ArchiveRepository(session).entries(owner_id, params)
    items = [
        ArchiveEntry(
            kind=RecordKind(row.kind),
            id=row.id,
            institution=InstitutionRef(
                id=row.institution_id,
                name_zh=row.name_zh,
                name_en=row.name_en,
                status=row.institution_status,
                successor=(
                    InstitutionName(
                        id=row.successor_id,
                        name_zh=row.successor_name_zh,
                        name_en=row.successor_name_en,
                    )
                    if row.successor_id
                    else None
                ),
            ),
            student_number=row.student_number,
            major=row.major,
            level=row.level,
            date=row.date,
            status=row.record_status,
            bound_via=row.bound_via,
            bound_at=row.bound_at,
        )
        for row in rows
    ]
    return Page[ArchiveEntry](items=items, next_cursor=cursor.encode() if cursor else None)


async def owned_record(
    session: AsyncSession, *, kind: RecordKind, record_id: uuid.UUID, owner_id: uuid.UUID | None
) -> RecordModel:
    """The account's record (None: any record, for operators), or 404."""
    record = await ArchiveRepository(session).record(kind, record_id, owner_id=owner_id)
    if record is None:
        raise RecordNotFound()
    return record


async def record_detail(
    session: AsyncSession,
    secrets: Secrets,
    *,
    kind: RecordKind,
    record_id: uuid.UUID,
    owner_id: uuid.UUID | None,
) -> Any:
    """One record of the account (operators: any record) with institution and history."""
    found = await ArchiveRepository(session).record_with_institution(
        kind, record_id, owner_id=owner_id
    )
    if found is None:
        raise RecordNotFound()
    record, issuer, successor = found
    records = RecordRepository(session, kind)
    versions = [
        ArchiveVersion(
            version=v.version,
            facts=academic.version_view(v, secrets).facts,
            reason=v.reason,
            source=v.source,
            created_at=v.created_at,
        )
        for v in await records.versions(record.id)
    ]
    changes = (
        [StatusChangeOut.model_validate(c) for c in await records.status_changes(record.id)]
        if kind == RecordKind.STUDENT_STATUS
        else []
    )
    fields: dict[str, Any] = {
        "record": academic.view_of(record, kind, secrets),
        "institution": InstitutionRef(
            id=issuer.id,
            name_zh=issuer.name_zh,
            name_en=issuer.name_en,
            status=issuer.status,
            successor=(
                InstitutionName(
                    id=successor.id, name_zh=successor.name_zh, name_en=successor.name_en
                )
                if successor is not None
                else None
            ),
        ),
        "bound_via": record.bound_via,
        "bound_at": record.bound_at,
        "versions": versions,
        "status_changes": changes,
    }
    if owner_id is None:
        return SupportDetail[Any](**fields, owner_id=record.owner_id)
    return ArchiveDetail[Any](**fields)


@dataclass(frozen=True)
class Photo:
    content: bytes
    media_type: str


async def record_photo(
    session: AsyncSession,
    storage: FileStorage,
    *,
    kind: RecordKind,
    record_id: uuid.UUID,
    owner_id: uuid.UUID,
) -> Photo:
    """The photo on the account's record, with its type read from the content."""
    record = await owned_record(session, kind=kind, record_id=record_id, owner_id=owner_id)
    if record.photo_key is None:
        raise PhotoNotFound()
    content = await storage.read(record.photo_key)
    guessed = filetype.guess(content)
    # Photos are stored after a content check; anything else is served as opaque bytes.
    media_type = (
        guessed.mime if guessed and guessed.mime in IMAGE_TYPES else "application/octet-stream"
    )
    return Photo(content, media_type)
