"""Duplicate-ID appeals: filing (public), the applicant's own, operators' review."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from educert_common.app import OutboxDep, SessionDep
from educert_common.auth import CurrentPrincipal, Operator
from educert_common.errors import FieldError, NotFound, PayloadTooLarge, Text
from educert_common.http.contract import problems
from educert_common.http.pagination import Page, PageParams, page_params
from identity.accounts.schemas import RegistrationRequest
from identity.appeals import service
from identity.appeals.models import Appeal
from identity.appeals.repository import AppealRepository
from identity.appeals.schemas import AppealView, Decision, OperatorAppealView
from identity.runtime import ClientIp, DatabaseDep, SettingsDep

router = APIRouter(tags=["identity: appeals"])

# Each file; the storage policy checks type (by content), size and dimensions again.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_REGISTRATION_JSON = 20_000


def _registration(raw: str) -> RegistrationRequest:
    """Parse the registration form field (JSON); errors name `registration.<field>`."""
    try:
        return RegistrationRequest.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", "registration", *error["loc"])} for error in exc.errors()]
        ) from None


async def _read(upload: UploadFile, name: str) -> bytes:
    """Read an uploaded file, refusing one larger than the limit without reading it all."""
    content = await upload.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        message = Text(
            f"The file is larger than {MAX_FILE_BYTES} bytes", f"文件超过 {MAX_FILE_BYTES} 字节"
        )
        raise PayloadTooLarge(message, errors=[FieldError(name, "file_too_large", message)])
    return content


def _view(appeal: Appeal) -> AppealView:
    return AppealView.model_validate(appeal, from_attributes=True)


@router.post(
    "/appeals",
    responses=problems(413, 429),
    status_code=status.HTTP_201_CREATED,
    response_model=AppealView,
)
async def file_appeal(
    registration: Annotated[
        str,
        Form(
            max_length=MAX_REGISTRATION_JSON,
            description="The registration fields (as for POST /registrations), as JSON",
        ),
    ],
    id_scan: Annotated[UploadFile, File(description="Scan of the ID document (JPEG/PNG/PDF)")],
    head_photo: Annotated[UploadFile, File(description="Head photo (JPEG/PNG)")],
    session: SessionDep,
    outbox: OutboxDep,
    settings: SettingsDep,
    ip: ClientIp,
    database: DatabaseDep,
    statement: Annotated[str | None, Form(max_length=1000)] = None,
) -> AppealView:
    """Register with an ID number another account holds, with an ID scan and a head photo.

    A multipart/form-data upload; the files' types are judged by their content, never by the
    names or types the client declares. Appeals per client address are capped per day.
    """
    async with database.transaction() as counting:
        await service.count_appeal(counting, settings, ip=ip)
    appeal, _ = await service.file_appeal(
        session,
        outbox,
        settings,
        registration=_registration(registration),
        id_scan=await _read(id_scan, "id_scan"),
        head_photo=await _read(head_photo, "head_photo"),
        statement=statement,
        ip=ip,
    )
    return _view(appeal)


@router.get("/me/appeals", responses=problems(404), response_model=Page[AppealView])
async def my_appeals(
    principal: CurrentPrincipal,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
) -> Page[AppealView]:
    """List the caller's own appeals."""
    try:
        user_id = uuid.UUID(principal.subject)
    except ValueError:
        raise NotFound() from None
    repository = AppealRepository(session)
    page = await repository.paginate(repository.of_user(user_id), params)
    return Page[AppealView](items=[_view(a) for a in page.items], next_cursor=page.next_cursor)


@router.get("/appeals", response_model=Page[OperatorAppealView])
async def list_appeals(
    operator: Operator,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    status_filter: Annotated[
        Literal["pending", "granted", "rejected"] | None, Query(alias="status")
    ] = None,
) -> Page[OperatorAppealView]:
    """List appeals, newest first (operators)."""
    repository = AppealRepository(session)
    page = await repository.paginate(repository.listing(status_filter), params)
    return Page[OperatorAppealView](
        items=[OperatorAppealView.model_validate(a, from_attributes=True) for a in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/appeals/{appeal_id}", response_model=OperatorAppealView)
async def get_appeal(
    appeal_id: uuid.UUID, operator: Operator, session: SessionDep
) -> OperatorAppealView:
    """Show one appeal (operators)."""
    appeal = await service.get_appeal(session, appeal_id)
    return OperatorAppealView.model_validate(appeal, from_attributes=True)


@router.get("/appeals/{appeal_id}/files/{kind}", response_class=Response)
async def get_appeal_file(
    appeal_id: uuid.UUID,
    kind: Literal["id_scan", "head_photo"],
    operator: Operator,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Download an appeal's ID scan or head photo, with the type detected at upload."""
    content, media_type = await service.appeal_file(session, settings, appeal_id, kind)
    return Response(
        content,
        media_type=media_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "attachment",
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/appeals/{appeal_id}/decision", responses=problems(409), response_model=OperatorAppealView
)
async def decide_appeal(
    appeal_id: uuid.UUID,
    body: Decision,
    operator: Operator,
    session: SessionDep,
    outbox: OutboxDep,
    settings: SettingsDep,
) -> OperatorAppealView:
    """Grant (identity moves to the new account, the old one is disabled) or reject."""
    appeal = await service.decide(
        session,
        outbox,
        settings,
        actor=operator.subject,
        appeal_id=appeal_id,
        grant=body.decision == "grant",
        reason=body.reason,
    )
    return OperatorAppealView.model_validate(appeal, from_attributes=True)
