"""Duplicate-ID appeals: filing (public), the applicant's own, operators' review."""

import base64
import binascii
import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from educert_common.app import OutboxDep, SessionDep
from educert_common.auth import CurrentPrincipal
from educert_common.errors import FieldError, NotFound, Text, ValidationFailed
from educert_common.http.pagination import Page, PageParams, page_params
from identity.accounts.schemas import RegistrationRequest
from identity.api.deps import Operator
from identity.appeals import service
from identity.appeals.models import Appeal
from identity.common import ClientIp, SettingsDep

router = APIRouter(tags=["identity: appeals"])

# Base64 of a 5 MiB file, with headroom.
MAX_B64 = 7_200_000


class AppealFiling(BaseModel):
    model_config = ConfigDict(extra="forbid")

    registration: RegistrationRequest
    # The files, base64-encoded; their type is judged by content, never by a declared name.
    id_scan_base64: str = Field(min_length=4, max_length=MAX_B64)
    head_photo_base64: str = Field(min_length=4, max_length=MAX_B64)
    statement: str | None = Field(default=None, max_length=1000)


class AppealView(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    status: str
    created_at: datetime
    decided_at: datetime | None
    decision_reason: str | None
    statement: str | None


class OperatorAppealView(AppealView):
    holder_id: uuid.UUID
    id_scan_type: str
    head_photo_type: str
    decided_by: str | None


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["grant", "reject"]
    reason: str = Field(min_length=1, max_length=1000)


def _decode(value: str, name: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        message = Text("Not valid base64", "不是合法的 base64")
        raise ValidationFailed(
            message, errors=[FieldError(name, "base64_invalid", message)]
        ) from None


def _view(appeal: Appeal) -> AppealView:
    return AppealView.model_validate(appeal, from_attributes=True)


@router.post("/appeals", status_code=status.HTTP_201_CREATED, response_model=AppealView)
async def file_appeal(
    body: AppealFiling, session: SessionDep, outbox: OutboxDep, settings: SettingsDep, ip: ClientIp
) -> AppealView:
    """Register with an ID number another account holds, with an ID scan and a head photo."""
    appeal, _ = await service.file_appeal(
        session,
        outbox,
        settings,
        registration=body.registration,
        id_scan=_decode(body.id_scan_base64, "id_scan_base64"),
        head_photo=_decode(body.head_photo_base64, "head_photo_base64"),
        statement=body.statement,
        ip=ip,
    )
    return _view(appeal)


@router.get("/me/appeals", response_model=Page[AppealView])
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
    repository = service.AppealRepository(session)
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
    repository = service.AppealRepository(session)
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


@router.post("/appeals/{appeal_id}/decision", response_model=OperatorAppealView)
async def decide_appeal(
    appeal_id: uuid.UUID, body: Decision, operator: Operator, session: SessionDep
) -> OperatorAppealView:
    """Grant (identity moves to the new account, the old one is disabled) or reject."""
    appeal = await service.decide(
        session,
        actor=operator.subject,
        appeal_id=appeal_id,
        grant=body.decision == "grant",
        reason=body.reason,
    )
    return OperatorAppealView.model_validate(appeal, from_attributes=True)
