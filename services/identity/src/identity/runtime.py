"""Per-request parts identity's routers depend on: settings, the database for flows that
commit their own transaction, the client address and the caller's session id."""

from typing import Annotated

from fastapi import Depends, Request
from jose import jwt

from educert_common.app import runtime_of, settings_dependency, settings_reader
from educert_common.auth import CurrentPrincipal, bearer_token
from educert_common.db import Database
from educert_common.http.client_ip import trusted_proxies
from identity.config import IdentitySettings


async def database_of(request: Request) -> Database:
    return runtime_of(request).database


settings_of = settings_reader(IdentitySettings)
SettingsDep = Annotated[IdentitySettings, Depends(settings_dependency(IdentitySettings))]
# For flows that must keep a failure's traces (attempt counters, lockouts, revoked families):
# they open their own transaction, commit it, and raise afterwards.
DatabaseDep = Annotated[Database, Depends(database_of)]


def client_ip(request: Request, settings: IdentitySettings) -> str:
    """The caller's address behind the proxies `IDENTITY_TRUSTED_PROXIES` names
    (see educert_common.http.client_ip)."""
    peer = request.client.host if request.client else "unknown"
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    return trusted_proxies(tuple(settings.trusted_proxies)).client(peer, forwarded)


async def _client_ip(request: Request) -> str:
    return client_ip(request, settings_of(request))


ClientIp = Annotated[str, Depends(_client_ip)]


async def current_session_id(request: Request, principal: CurrentPrincipal) -> str | None:
    """The `sid` claim of the caller's access token (read only after it was verified)."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        return None
    sid = jwt.get_unverified_claims(token).get("sid")
    return sid if isinstance(sid, str) else None


CurrentSessionId = Annotated[str | None, Depends(current_session_id)]
