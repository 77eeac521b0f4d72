"""Dependencies shared by identity's routers."""

from typing import Annotated

from fastapi import Depends, Request
from jose import jwt

from educert_common.auth import CurrentPrincipal, bearer_token


def current_session_id(request: Request, principal: CurrentPrincipal) -> str | None:
    """The `sid` claim of the caller's access token (read only after it was verified)."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        return None
    sid = jwt.get_unverified_claims(token).get("sid")
    return sid if isinstance(sid, str) else None


CurrentSessionId = Annotated[str | None, Depends(current_session_id)]
