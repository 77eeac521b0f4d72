"""FastAPI dependencies: who is calling (`CurrentPrincipal`), role and scope guards, ownership."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from educert_common.auth.verifier import InvalidToken, KeysUnavailable, Principal, TokenVerifier
from educert_common.errors import NotAuthenticated, NotFound, PermissionDenied, Text
from educert_common.errors import ServiceUnavailable as ServiceUnavailableError
from educert_common.http.contract import declares_problems

# Roles that may see any object, not only their own.
OVERSEEING_ROLES = frozenset({"operator", "admin"})

_CHALLENGE = {"WWW-Authenticate": "Bearer"}
_INVALID_CHALLENGE = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
_INVALID_TEXT = Text("The access token is invalid or expired", "访问令牌无效或已过期")


def bearer_token(authorization: str | None) -> str | None:
    """Return the token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def verifier_of(request: Request) -> TokenVerifier:
    """Find the app's verifier: a service's runtime, or `app.state.token_verifier`."""
    runtime = getattr(request.app.state, "runtime", None)
    verifier = getattr(runtime, "token_verifier", None) or getattr(
        request.app.state, "token_verifier", None
    )
    if verifier is None:
        raise RuntimeError("no TokenVerifier on this app")
    return verifier


@declares_problems(401, 503)
async def authenticate(request: Request) -> Principal:
    """Verify the request's bearer token (once per request) and return its principal."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise NotAuthenticated(headers=_CHALLENGE)
    try:
        principal = await verifier_of(request).verify(token)
    except InvalidToken as exc:
        raise NotAuthenticated(_INVALID_TEXT, headers=_INVALID_CHALLENGE) from exc
    except KeysUnavailable as exc:
        raise ServiceUnavailableError(
            Text("Tokens cannot be checked right now", "暂时无法校验令牌")
        ) from exc
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """Build a dependency that lets through principals holding at least one of `roles`."""
    wanted = frozenset(roles)

    @declares_problems(403)
    async def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.roles.isdisjoint(wanted):
            raise PermissionDenied()
        return principal

    return dependency


def require_scopes(*scopes: str) -> Callable[..., Awaitable[Principal]]:
    """Build a dependency that lets through principals holding every one of `scopes`."""
    wanted = frozenset(scopes)

    @declares_problems(403)
    async def dependency(principal: CurrentPrincipal) -> Principal:
        if not wanted <= principal.scopes:
            raise PermissionDenied()
        return principal

    return dependency


# The role guards routers share: one definition each, so every service means the same thing.
Operator = Annotated[Principal, Depends(require_roles(*OVERSEEING_ROLES))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]


def ensure_owner(principal: Principal, owner_id: Any) -> None:
    """Raise NotFound unless the principal owns the object or oversees everything.

    NotFound rather than PermissionDenied, so callers cannot learn that someone else's
    object exists.
    """
    if principal.subject == str(owner_id) or not principal.roles.isdisjoint(OVERSEEING_ROLES):
        return
    raise NotFound()
