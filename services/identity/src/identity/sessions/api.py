"""Login, token refresh, logout, and the caller's sessions."""

import uuid

from fastapi import APIRouter, Request, status

from educert_common.app import OutboxDep, SessionDep
from educert_common.auth import CurrentPrincipal
from educert_common.http.contract import problems
from identity.accounts.schemas import Done
from identity.runtime import ClientIp, CurrentSessionId, DatabaseDep, SettingsDep
from identity.sessions import service
from identity.sessions.schemas import LoginRequest, RefreshRequest, SessionView, TokenResponse

router = APIRouter(tags=["identity: sessions"])


def _tokens(pair: service.TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
        refresh_expires_in=pair.refresh_expires_in,
        session_id=pair.session_id,
        device_token=pair.device_token,
    )


@router.post("/login", responses=problems(401, 429), response_model=TokenResponse)
async def login(
    body: LoginRequest, request: Request, database: DatabaseDep, settings: SettingsDep, ip: ClientIp
) -> TokenResponse:
    """Log in by e-mail, mobile or username; repeated failures lock the address or device
    with a growing delay, and ask unknown devices for a captcha."""
    # The attempt is counted and committed before the password is checked.
    async with database.transaction() as session:
        attempt = await service.begin_login(
            session,
            settings,
            identifier=body.identifier,
            ip=ip,
            device_token=body.device_token,
            captcha_token=body.captcha_token,
        )
    async with database.transaction() as session:
        pair, error = await service.finish_login(
            session,
            settings,
            attempt,
            password=body.password,
            ip=ip,
            user_agent=request.headers.get("user-agent"),
        )
    if error is not None or pair is None:
        raise error or RuntimeError()
    return _tokens(pair)


@router.post("/token/refresh", responses=problems(401), response_model=TokenResponse)
async def refresh(
    body: RefreshRequest, database: DatabaseDep, outbox: OutboxDep, settings: SettingsDep
) -> TokenResponse:
    """Swap a refresh token for new tokens; a reused one ends its whole session."""
    async with database.transaction() as session:
        pair, error = await service.refresh(
            session, outbox, settings, refresh_token=body.refresh_token
        )
    if error is not None or pair is None:
        raise error or RuntimeError()
    return _tokens(pair)


@router.post("/logout", response_model=Done)
async def logout(
    principal: CurrentPrincipal,
    sid: CurrentSessionId,
    session: SessionDep,
    outbox: OutboxDep,
    settings: SettingsDep,
) -> Done:
    """End the current session: its refresh token and access tokens stop working."""
    await service.logout(session, outbox, settings, user_id=principal.subject, session_id=sid)
    return Done()


@router.get("/sessions", responses=problems(404), response_model=list[SessionView])
async def list_sessions(
    principal: CurrentPrincipal, sid: CurrentSessionId, session: SessionDep
) -> list[SessionView]:
    """List the caller's active sessions."""
    rows = await service.list_sessions(session, user_id=principal.subject)
    return [
        SessionView(
            id=row.id,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            expires_at=row.expires_at,
            ip=row.ip,
            user_agent=row.user_agent,
            current=str(row.id) == sid,
        )
        for row in rows
    ]


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_session(
    session_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    outbox: OutboxDep,
    settings: SettingsDep,
) -> None:
    """Revoke one of the caller's sessions, with its access tokens."""
    await service.revoke_session(
        session,
        outbox,
        settings,
        user_id=principal.subject,
        session_id=session_id,
        reason="revoked_by_user",
    )
