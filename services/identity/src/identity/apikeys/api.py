"""Partner API keys (operators) and the gateway's exchange route (internal)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from educert_common.app import OutboxDep, SessionDep
from educert_common.auth import Operator
from educert_common.http.contract import problems
from educert_common.http.internal import InternalCaller
from educert_common.http.pagination import Page, PageParams, page_params
from identity.apikeys import service
from identity.apikeys.models import ApiKey
from identity.apikeys.repository import ApiKeyRepository
from identity.apikeys.schemas import (
    ApiKeyCreate,
    ApiKeyView,
    ExchangeRequest,
    ExchangeResponse,
    IssuedApiKey,
    Rotation,
)
from identity.runtime import SettingsDep

router = APIRouter(tags=["identity: API keys"])
internal_router = APIRouter(tags=["internal"], include_in_schema=False)


def _view(key: ApiKey) -> ApiKeyView:
    return ApiKeyView(
        id=key.id,
        name=key.name,
        institution_id=key.institution_id,
        prefix=key.prefix,
        scopes=list(key.scopes),
        status=service.status_of(key),
        created_at=key.created_at,
        created_by=key.created_by,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
        rotated_from_id=key.rotated_from_id,
        rotated_to_id=key.rotated_to_id,
    )


def _issued(issued: service.IssuedKey) -> IssuedApiKey:
    return IssuedApiKey(**_view(issued.key).model_dump(), key=issued.secret)


@router.post("/api-keys", status_code=status.HTTP_201_CREATED, response_model=IssuedApiKey)
async def issue_key(body: ApiKeyCreate, operator: Operator, session: SessionDep) -> IssuedApiKey:
    """Issue a key for an institution with scopes; the key is shown once."""
    issued = await service.issue(
        session,
        actor=operator.subject,
        name=body.name,
        institution_id=body.institution_id,
        scopes=body.scopes,
        expires_at=body.expires_at,
    )
    return _issued(issued)


@router.get("/api-keys", response_model=Page[ApiKeyView])
async def list_keys(
    operator: Operator,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    institution_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[ApiKeyView]:
    """List keys (prefix, scopes, status, last use), newest first."""
    repository = ApiKeyRepository(session)
    page = await repository.paginate(repository.listing(institution_id), params)
    return Page[ApiKeyView](items=[_view(k) for k in page.items], next_cursor=page.next_cursor)


@router.get("/api-keys/{key_id}", response_model=ApiKeyView)
async def get_key(key_id: uuid.UUID, operator: Operator, session: SessionDep) -> ApiKeyView:
    """Show one key (never its secret)."""
    return _view(await service.get(session, key_id))


@router.post(
    "/api-keys/{key_id}/rotate",
    responses=problems(409),
    status_code=status.HTTP_201_CREATED,
    response_model=IssuedApiKey,
)
async def rotate_key(
    key_id: uuid.UUID,
    body: Rotation,
    operator: Operator,
    session: SessionDep,
    outbox: OutboxDep,
    settings: SettingsDep,
) -> IssuedApiKey:
    """Issue a successor; the old key keeps working for `overlap_hours` (0: stops at once)."""
    issued = await service.rotate(
        session,
        outbox,
        settings,
        actor=operator.subject,
        key_id=key_id,
        overlap_hours=body.overlap_hours,
    )
    return _issued(issued)


@router.post("/api-keys/{key_id}/revoke", response_model=ApiKeyView)
async def revoke_key(
    key_id: uuid.UUID,
    operator: Operator,
    session: SessionDep,
    outbox: OutboxDep,
    settings: SettingsDep,
) -> ApiKeyView:
    """Revoke a key at once; tokens already exchanged for it are refused within seconds."""
    return _view(
        await service.revoke(session, outbox, settings, actor=operator.subject, key_id=key_id)
    )


@internal_router.post("/internal/api-keys/exchange", response_model=ExchangeResponse)
async def exchange(
    body: ExchangeRequest, _: InternalCaller, session: SessionDep, settings: SettingsDep
) -> ExchangeResponse:
    """Turn a partner key into a short-lived access token (the gateway calls this)."""
    token, expires_in = await service.exchange(session, settings, api_key=body.api_key)
    return ExchangeResponse(access_token=token, expires_in=expires_in)
