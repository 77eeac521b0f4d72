"""Access tokens: verification against identity's JWKS and the FastAPI dependencies built on it."""

from educert_common.auth.dependencies import (
    OVERSEEING_ROLES,
    Admin,
    CurrentPrincipal,
    Operator,
    authenticate,
    bearer_token,
    ensure_owner,
    require_roles,
    require_scopes,
)
from educert_common.auth.verifier import (
    ACCESS_TOKEN_TYPE,
    ALLOWED_ALGORITHMS,
    InvalidToken,
    KeysUnavailable,
    Principal,
    TokenVerifier,
    keys_from_jwks,
)

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "ALLOWED_ALGORITHMS",
    "OVERSEEING_ROLES",
    "Admin",
    "CurrentPrincipal",
    "InvalidToken",
    "KeysUnavailable",
    "Operator",
    "Principal",
    "TokenVerifier",
    "authenticate",
    "bearer_token",
    "ensure_owner",
    "keys_from_jwks",
    "require_roles",
    "require_scopes",
]
