"""The student's archive (学信档案): their own records of all kinds, one in detail with its
history and institution, and the photo on it. Another account's record is simply not found."""

import uuid
from dataclasses import dataclass
from typing import Any

import filetype
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import Database
from educert_common.http.pagination import Page, PageParams, cursor_invalid
from educert_common.storage import IMAGE_TYPES, FileStorage
from records.academic import service as academic
from records.academic.models import RecordModel
from records.academic.rules import RecordKind
from records.academic.schemas import OUT_MODELS
from records.archive.repository import ArchiveReads, ArchiveRepository
from records.archive.schemas import ArchiveDetail, ArchiveEntry, SupportDetail
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


_PAGE_OF_ENTRIES = Page[ArchiveEntry]


def _institution(row: Any, prefix: str, status: str) -> dict[str, Any]:
    successor_id = row["successor_id"]
    return {
        "id": row[f"{prefix}id"],
        "name_zh": row[f"{prefix}name_zh"],
        "name_en": row[f"{prefix}name_en"],
        "status": row[status],
        "successor": (
            {
                "id": successor_id,
                "name_zh": row["successor_name_zh"],
                "name_en": row["successor_name_en"],
            }
            if successor_id is not None
            else None
        ),
    }


async def list_archive(
    database: Database, *, owner_id: uuid.UUID, params: PageParams
) -> Page[ArchiveEntry]:
    """List the account's records of all three kinds, newest first."""
    _check_cursor(params)
    async with database.raw() as connection:
        rows, cursor = await ArchiveReads(connection).entries(owner_id, params)
    # Validated once from plain data: the response's shape is the model's, without building
    # each nested model in Python first.
    return _PAGE_OF_ENTRIES.model_validate(
        {
            "items": [
                {
                    "kind": row["kind"],
                    "id": row["id"],
                    "institution": _institution(row, "institution_", "institution_status"),
                    "student_number": row["student_number"],
                    "major": row["major"],
                    "level": row["level"],
                    "date": row["date"],
                    "status": row["record_status"],
                    "bound_via": row["bound_via"],
                    "bound_at": row["bound_at"],
                }
                for row in rows
            ],
            "next_cursor": cursor.encode() if cursor else None,
        }
    )


async def owned_record(
    session: AsyncSession, *, kind: RecordKind, record_id: uuid.UUID, owner_id: uuid.UUID | None
) -> RecordModel:
    """The account's record (None: any record, for operators), or 404."""
    record = await ArchiveRepository(session).record(kind, record_id, owner_id=owner_id)
    if record is None:
        raise RecordNotFound()
    return record


_DETAIL_MODELS: dict[tuple[RecordKind, bool], Any] = {
    (kind, support): (SupportDetail if support else ArchiveDetail)[OUT_MODELS[kind]]  # type: ignore[index]
    for kind in RecordKind
    for support in (False, True)
}


async def record_detail(
    database: Database,
    secrets: Secrets,
    *,
    kind: RecordKind,
    record_id: uuid.UUID,
    owner_id: uuid.UUID | None,
) -> Any:
    """One record of the account (operators: any record) with institution and history."""
    async with database.raw() as connection:
        row = await ArchiveReads(connection).detail(kind, record_id, owner_id=owner_id)
    if row is None:
        raise RecordNotFound()
    versions = [
        {
            "version": version,
            "facts": academic.shown_facts(facts, sealed_id_number, secrets),
            "reason": reason,
            "source": source,
            "created_at": created_at,
        }
        for version, facts, sealed_id_number, reason, source, created_at in row["versions"]
    ]
    changes = [
        {"status": status, "effective_on": on, "version": version, "recorded_at": at}
        for status, on, version, at in row["changes"] or ()
    ]
    data = {
        "record": academic.view_fields(row, kind, secrets),
        "institution": _institution(row, "issuer_", "issuer_status"),
        "bound_via": row["bound_via"],
        "bound_at": row["bound_at"],
        "versions": versions,
        "status_changes": changes,
    }
    if owner_id is None:
        data["owner_id"] = row["owner_id"]
    return _DETAIL_MODELS[kind, owner_id is None].model_validate(data)


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
