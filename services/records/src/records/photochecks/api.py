"""Routes of record photos (the institution uploads them) and photo checks (the student
answers "correct" or "wrong" for the photo and key fields of their own record)."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Response, UploadFile, status

from educert_common.app import OutboxDep, SessionDep
from educert_common.auth import CurrentPrincipal
from educert_common.errors import FieldError, NotFound, PayloadTooLarge, PermissionDenied, Text
from educert_common.http.contract import problems
from records.academic.repository import RecordRepository
from records.academic.rules import STUDENT_NUMBER, RecordKind
from records.access import InstitutionReader, InstitutionWriter
from records.crypto import Secrets
from records.exceptions import RecordNotFound
from records.institutions.rules import INSTITUTION_CODE_SCHEMA
from records.photochecks import service
from records.photochecks.models import PhotoCheck
from records.photochecks.schemas import CheckState, PhotoCheckAnswer, PhotoCheckView, PhotoOutcome
from records.runtime import AuditDep, ClockDep, SecretsDep, StorageDep

router = APIRouter(tags=["records: photos and photo checks"])

InstitutionId = Annotated[str, Path(**INSTITUTION_CODE_SCHEMA)]
StudentNumber = Annotated[str, Path(pattern=STUDENT_NUMBER.pattern, max_length=32)]
BINARY = {"schema": {"type": "string", "format": "binary"}}
# Every stored photo is a JPEG (uploads are re-encoded), so one type is declared.
IMAGE_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"image/jpeg": BINARY}}}
IMAGE_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}


def user_id_of(subject: str) -> uuid.UUID:
    """The caller's account id; a subject that is not one owns no record (404)."""
    try:
        return uuid.UUID(subject)
    except ValueError:
        raise NotFound() from None


async def read_limited(upload: UploadFile, field: str, limit: int) -> bytes:
    """Read an upload, refusing one over `limit` bytes without reading it all."""
    content = await upload.read(limit + 1)
    if len(content) > limit:
        message = Text(f"The file is larger than {limit} bytes", f"文件超过 {limit} 字节")
        raise PayloadTooLarge(message, errors=[FieldError(field, "file_too_large", message)])
    return content


def _add_photo_routes(kind: RecordKind) -> None:
    base = f"/institutions/{{institution_id}}/{kind.path}/{{student_number}}/photo"
    label = kind.value.replace("_", " ")

    async def upload(
        institution_id: InstitutionId,
        student_number: StudentNumber,
        photo: Annotated[UploadFile, File(description="The photo (JPEG or PNG, at most 2 MB)")],
        actor: InstitutionWriter,
        session: SessionDep,
        outbox: OutboxDep,
        audit: AuditDep,
        storage: StorageDep,
        clock: ClockDep,
        reason: Annotated[str | None, Form(max_length=500)] = None,
    ) -> PhotoOutcome:
        if not actor.may_act_on(institution_id):
            raise PermissionDenied()
        content = await read_limited(photo, "photo", service.PHOTO_POLICY.max_bytes)
        change = await service.set_photo(
            session,
            audit,
            outbox,
            storage,
            kind=kind,
            institution_id=institution_id,
            student_number=student_number,
            content=content,
            actor=actor.actor,
            reason=reason,
            now=clock(),
        )
        return PhotoOutcome(changed=change.changed, version=change.record.version)

    upload.__doc__ = (
        f"Put the photo on a {label} record (multipart; JPEG or PNG judged by content, stored "
        "as a JPEG without EXIF): a new version of the record; the same photo again changes "
        "nothing."
    )
    router.put(
        base,
        response_model=PhotoOutcome,
        responses=problems(413, 415),
        name=f"put_photo_of_{kind.value}",
    )(upload)

    async def download(
        institution_id: InstitutionId,
        student_number: StudentNumber,
        actor: InstitutionReader,
        session: SessionDep,
        storage: StorageDep,
    ) -> Response:
        if not actor.may_act_on(institution_id):
            raise PermissionDenied()
        record = await RecordRepository(session, kind).by_student_number(
            institution_id, student_number
        )
        if record is None:
            raise RecordNotFound()
        content = await service.photo_of(storage, record)
        return Response(content, media_type="image/jpeg", headers=IMAGE_HEADERS)

    download.__doc__ = f"Download the photo on a {label} record of the institution."
    router.get(
        base,
        response_class=Response,
        responses=IMAGE_RESPONSE,
        name=f"get_photo_of_{kind.value}",
    )(download)


for _kind in RecordKind:
    _add_photo_routes(_kind)


def _view(record: Any, kind: RecordKind, check: PhotoCheck | None, secrets: Secrets) -> Any:
    state = None
    if check is not None:
        state = CheckState(
            conclusion=check.conclusion,  # type: ignore[arg-type]
            wrong_fields=list(check.wrong_fields),
            first_answered_at=check.first_answered_at,
            answered_at=check.answered_at,
            effective_at=check.effective_at,
            final=check.concluded_at is not None,
            concluded_at=check.concluded_at,
            correction_id=check.correction_id,
        )
    return PhotoCheckView(
        record_id=record.id,
        kind=kind,
        institution_id=record.institution_id,
        name=record.name,
        id_number_masked=secrets.masked_id_number(record.id_number_encrypted),
        birth_date=record.birth_date,
        major=record.major,
        has_photo=record.photo_key is not None,
        check=state,
    )


@router.get("/me/photo-checks/{kind}/{record_id}", response_model=PhotoCheckView)
async def get_photo_check(
    kind: RecordKind,
    record_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    secrets: SecretsDep,
    clock: ClockDep,
) -> Any:
    """Show the key fields of one's own record and the photo check's state (final once its
    24 hours are over)."""
    record = await service.owned_record(session, kind, record_id, user_id_of(principal.subject))
    check = await service.current_check(
        session, audit, outbox, kind=kind, record=record, now=clock()
    )
    return _view(record, kind, check, secrets)


@router.put(
    "/me/photo-checks/{kind}/{record_id}",
    response_model=PhotoCheckView,
    responses={
        **problems(409),
        201: {"model": PhotoCheckView, "description": "The first answer for the record"},
    },
)
async def answer_photo_check(
    kind: RecordKind,
    record_id: uuid.UUID,
    body: PhotoCheckAnswer,
    principal: CurrentPrincipal,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    secrets: SecretsDep,
    clock: ClockDep,
    response: Response,
) -> Any:
    """Answer "correct" or "wrong" (naming the fields) for one's own record; the answer may be
    changed until 24 hours after it was last given, then it is final (409)."""
    user_id = user_id_of(principal.subject)
    check, created = await service.answer(
        session,
        audit,
        outbox,
        kind=kind,
        record_id=record_id,
        user_id=user_id,
        conclusion=body.conclusion,
        wrong_fields=list(getattr(body, "wrong_fields", [])),
        now=clock(),
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
    record = await service.owned_record(session, kind, record_id, user_id)
    return _view(record, kind, check, secrets)


@router.get(
    "/me/photo-checks/{kind}/{record_id}/photo",
    response_class=Response,
    responses=IMAGE_RESPONSE,
)
async def my_record_photo(
    kind: RecordKind,
    record_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    storage: StorageDep,
) -> Response:
    """Download the photo on one's own record."""
    record = await service.owned_record(session, kind, record_id, user_id_of(principal.subject))
    content = await service.photo_of(storage, record)
    return Response(content, media_type="image/jpeg", headers=IMAGE_HEADERS)
