"""Routes of photo upload attempts (学历照片上传): the student uploads and polls, institution
staff (of the record's institution) and operators review."""

import uuid
from collections.abc import AsyncGenerator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from educert_common.app import OutboxDep, SessionDep
from educert_common.errors import (
    FieldError,
    PayloadTooLarge,
    PermissionDenied,
    Text,
    UnsupportedMediaType,
    ValidationFailed,
)
from educert_common.http.contract import declares_problems, problems
from educert_common.http.pagination import Page, PageParams, page_params
from records.academic.repository import RecordRepository
from records.academic.rules import RecordKind
from records.access import AccountId, InstitutionActor, InstitutionReader
from records.crypto import Secrets
from records.institutions.rules import INSTITUTION_CODE_SCHEMA
from records.photos import clients, rules, service
from records.photos.models import AWAITING_PAYMENT, PhotoAttempt
from records.photos.repository import PhotoAttemptRepository
from records.photos.schemas import (
    Approval,
    AttemptState,
    PhotoAttemptView,
    RegistryResult,
    ReviewDecision,
    ReviewView,
)
from records.runtime import (
    AuditDep,
    ClockDep,
    DatabaseDep,
    SecretsDep,
    SettingsDep,
    StorageDep,
)

router = APIRouter(tags=["records: photo upload"])

# The largest request body read: the largest photo plus room for the multipart framing. A
# larger body is refused (413) as soon as its declared length or its bytes pass this, so a
# 20 MB upload is never held (nor spooled to disk) whole.
MAX_BODY_BYTES = rules.MAX_BYTES + 16 * 1024
BINARY = {"schema": {"type": "string", "format": "binary"}}
IMAGE_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"image/jpeg": BINARY}}}
IMAGE_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["photo"],
                    "properties": {
                        "photo": {
                            "type": "string",
                            "format": "binary",
                            "description": "JPEG, exactly 640x480 pixels, 102,400 to 204,800 bytes",
                        }
                    },
                }
            }
        },
    }
}


def _too_large() -> PayloadTooLarge:
    message = Text(
        f"The photo is larger than {rules.MAX_BYTES} bytes (200 KB)",
        f"照片超过 {rules.MAX_BYTES} 字节（200 KB）",
    )
    return PayloadTooLarge(message, errors=[FieldError(rules.FIELD, "photo_too_large", message)])


async def read_photo(request: Request) -> bytes:
    """The `photo` part of a multipart body, read as a stream with a cap (413 beyond it)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        message = Text("Send the photo as multipart/form-data", "请以 multipart/form-data 上传照片")
        raise UnsupportedMediaType(
            message, errors=[FieldError(rules.FIELD, "multipart_required", message)]
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()

    async def capped() -> AsyncGenerator[bytes, None]:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > MAX_BODY_BYTES:
                raise _too_large()
            yield chunk

    try:
        form = await MultiPartParser(
            request.headers, capped(), max_files=1, max_fields=2, max_part_size=1024
        ).parse()
    except MultiPartException as error:
        message = Text(f"The multipart body cannot be read: {error.message}", "无法读取上传内容")
        raise ValidationFailed(
            message, errors=[FieldError(rules.FIELD, "multipart_invalid", message)]
        ) from None
    try:
        photo = form.get(rules.FIELD)
        if not isinstance(photo, UploadFile):
            message = Text("Attach the photo as the `photo` file part", "请上传照片文件（photo）")
            raise ValidationFailed(message, errors=[FieldError(rules.FIELD, "missing", message)])
        return await photo.read()
    finally:
        await form.close()


def view_of(attempt: PhotoAttempt) -> PhotoAttemptView:
    return PhotoAttemptView(
        id=attempt.id,
        kind=RecordKind(attempt.kind),
        record_id=attempt.record_id,
        institution_id=attempt.institution_id,
        status=attempt.status,  # type: ignore[arg-type]
        order_id=attempt.order_id,
        uploaded_bytes=attempt.uploaded_bytes,
        paid_at=attempt.paid_at,
        registry=RegistryResult(
            outcome=attempt.registry_outcome,
            field=attempt.registry_field,
            checked_at=attempt.registry_checked_at,
            tries=attempt.registry_tries,
        ),
        review_due_on=attempt.review_due_on,
        reviewed_at=attempt.reviewed_at,
        reason=attempt.reason,
        record_version=attempt.record_version,
        created_at=attempt.created_at,
        updated_at=attempt.updated_at,
    )


async def review_view_of(session: Any, attempt: PhotoAttempt, secrets: Secrets) -> ReviewView:
    record = await RecordRepository(session, RecordKind(attempt.kind)).by_id(
        attempt.record_id, institution_id=None
    )
    base = view_of(attempt).model_dump()
    return ReviewView(
        **base,
        student_number=record.student_number if record else "",
        name=record.name if record else "",
        id_number_masked=secrets.masked_id_number(record.id_number_encrypted) if record else "",
        record_has_photo=bool(record and record.photo_key),
    )


async def _attach_order(database: Any, settings: Any, attempt: PhotoAttempt) -> PhotoAttempt:
    order_id = await clients.create_order(
        settings.platform, user_id=attempt.user_id, attempt_id=attempt.id
    )
    async with database.transaction() as session:
        return await service.attach_order(session, attempt_id=attempt.id, order_id=order_id)


# The student ------------------------------------------------------------------------------


@router.get("/me/photo-attempts", response_model=Page[PhotoAttemptView])
async def my_attempts(
    account: AccountId,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
) -> Page[PhotoAttemptView]:
    """One's own photo upload attempts, newest first."""
    repository = PhotoAttemptRepository(session)
    page = await repository.paginate(repository.of_user(account), params)
    return Page[PhotoAttemptView](
        items=[view_of(attempt) for attempt in page.items], next_cursor=page.next_cursor
    )


@router.get("/me/photo-attempts/{attempt_id}", response_model=PhotoAttemptView)
async def my_attempt(
    attempt_id: uuid.UUID, account: AccountId, session: SessionDep
) -> PhotoAttemptView:
    """Poll one's own attempt: its state, the registry's answer (within seconds of paying),
    the expected review date and the reviewer's reason. Another student's is 404."""
    return view_of(await service.my_attempt(session, attempt_id=attempt_id, user_id=account))


@router.post(
    "/me/photo-attempts/{attempt_id}/payment",
    response_model=PhotoAttemptView,
    responses=problems(404, 409, 503),
)
async def attempt_payment_order(
    attempt_id: uuid.UUID,
    account: AccountId,
    database: DatabaseDep,
    settings: SettingsDep,
) -> PhotoAttemptView:
    """Get the payment order of an attempt awaiting payment (created again if the payment
    service was unreachable at upload; the same order otherwise)."""
    async with database.transaction() as session:
        attempt = await service.my_attempt(session, attempt_id=attempt_id, user_id=account)
    if attempt.status != AWAITING_PAYMENT:
        raise service.PhotoAttemptNotInState(attempt.status)
    return view_of(await _attach_order(database, settings, attempt))


@router.get(
    "/me/photo-attempts/{attempt_id}/photo", response_class=Response, responses=IMAGE_RESPONSE
)
async def my_attempt_photo(
    attempt_id: uuid.UUID, account: AccountId, session: SessionDep, storage: StorageDep
) -> Response:
    """The photo of one's own attempt, as stored (without metadata)."""
    attempt = await service.my_attempt(session, attempt_id=attempt_id, user_id=account)
    content = await storage.read(attempt.photo_key)
    return Response(content, media_type="image/jpeg", headers=IMAGE_HEADERS)


# After the attempt's own routes: `{kind}/{record_id}` would match their paths too (and a
# wrong method there would be answered with the upload's Allow).
@router.post(
    "/me/photo-attempts/{kind}/{record_id}",
    response_model=PhotoAttemptView,
    status_code=status.HTTP_201_CREATED,
    responses=problems(
        404,
        409,
        413,
        415,
        descriptions={503: "The payment service did not answer (the attempt waits for payment)"},
    ),
    openapi_extra=UPLOAD_BODY,
)
async def upload_photo(
    kind: RecordKind,
    record_id: uuid.UUID,
    request: Request,
    account: AccountId,
    database: DatabaseDep,
    audit: AuditDep,
    storage: StorageDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> JSONResponse:
    """Upload a new photo for one's own record that has no photo, or whose photo check
    concluded "wrong" (multipart, part `photo`): a JPEG judged by content, exactly 640x480
    pixels, 102,400 to 204,800 bytes; its metadata (EXIF) is stripped before storage. The
    attempt then waits for its 2 CNY order (`order_id`: pay it through payment's order
    routes); once paid, the registry check and the manual review follow (poll the attempt)."""
    content = await read_photo(request)
    async with database.transaction() as session:
        attempt = await service.upload(
            session, audit, storage, kind=kind, record_id=record_id, user_id=account,
            content=content, now=clock(),
        )  # fmt: skip
    attempt = await _attach_order(database, settings, attempt)
    return JSONResponse(view_of(attempt).model_dump(mode="json"), status_code=201)


# Reviewers --------------------------------------------------------------------------------


@declares_problems(403)
async def _reviewer(actor: InstitutionReader) -> InstitutionActor:
    """Institution staff or operators; a partner API key does not review photos."""
    if not actor.oversees and "institution_staff" not in actor.principal.roles:
        raise PermissionDenied()
    return actor


Reviewer = Annotated[InstitutionActor, Depends(_reviewer)]
InstitutionFilter = Annotated[str | None, Query(**INSTITUTION_CODE_SCHEMA)]


@router.get("/photo-reviews", response_model=Page[ReviewView])
async def review_queue(
    actor: Reviewer,
    session: SessionDep,
    secrets: SecretsDep,
    params: Annotated[PageParams, Depends(page_params)],
    institution_id: InstitutionFilter = None,
    status_filter: Annotated[AttemptState | None, Query(alias="status")] = "in_review",
    kind: RecordKind | None = None,
) -> Page[ReviewView]:
    """The review queue, newest first: attempts on records of the caller's institution
    (operators: every institution, or the one named), by default those waiting for review;
    filter by state and kind of record. Staff naming another institution get 403."""
    if institution_id is not None and not actor.may_act_on(institution_id):
        raise PermissionDenied()
    scope = institution_id if actor.oversees else actor.institution_id
    repository = PhotoAttemptRepository(session)
    statement = repository.queue(
        scope, status=status_filter, kind=kind.value if kind is not None else None
    )
    page = await repository.paginate(statement, params)
    return Page[ReviewView](
        items=[await review_view_of(session, attempt, secrets) for attempt in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/photo-reviews/{attempt_id}", response_model=ReviewView)
async def review_item(
    attempt_id: uuid.UUID, actor: Reviewer, session: SessionDep, secrets: SecretsDep
) -> ReviewView:
    """One attempt of the caller's institution (any, for operators); another's is 404."""
    attempt = await service.attempt_for_reviewer(session, attempt_id=attempt_id, actor=actor)
    return await review_view_of(session, attempt, secrets)


@router.get("/photo-reviews/{attempt_id}/photo", response_class=Response, responses=IMAGE_RESPONSE)
async def review_photo(
    attempt_id: uuid.UUID, actor: Reviewer, session: SessionDep, storage: StorageDep
) -> Response:
    """The uploaded photo, as stored, for the reviewer to judge (frontal, light background,
    not a scan or a photo of paper)."""
    attempt = await service.attempt_for_reviewer(session, attempt_id=attempt_id, actor=actor)
    content = await storage.read(attempt.photo_key)
    return Response(content, media_type="image/jpeg", headers=IMAGE_HEADERS)


@router.post(
    "/photo-reviews/{attempt_id}/decision",
    response_model=ReviewView,
    responses=problems(404, 409),
)
async def decide_photo(
    attempt_id: uuid.UUID,
    body: ReviewDecision,
    actor: Reviewer,
    session: SessionDep,
    audit: AuditDep,
    secrets: SecretsDep,
    outbox: OutboxDep,
    clock: ClockDep,
) -> ReviewView:
    """Approve (the photo becomes the record's photo: a new version, audited, and what new
    reports show) or reject with a reason (the student needs a new paid attempt). Only an
    attempt waiting for review is decided, once (409 otherwise, also for unpaid ones)."""
    attempt = await service.review(
        session, audit, outbox, attempt_id=attempt_id, actor=actor,
        approve=isinstance(body, Approval), reason=body.reason, now=clock(),
    )  # fmt: skip
    return await review_view_of(session, attempt, secrets)
