"""The published signing keys (JWKS) that the gateway and every service verify tokens with."""

from fastapi import APIRouter, Request, Response

from educert_common.app import SessionDep, runtime_of
from identity import service
from identity.config import IdentitySettings
from identity.schemas import JwkSet

router = APIRouter(tags=["identity"])


@router.get(
    "/.well-known/jwks.json",
    response_model=JwkSet,
    summary="Publish the public keys that sign access tokens",
)
async def jwks(request: Request, response: Response, session: SessionDep) -> JwkSet:
    """Return the active and retiring public keys (RFC 7517 JWK set)."""
    settings = runtime_of(request).settings
    assert isinstance(settings, IdentitySettings)
    document = await service.published_jwks(session)
    if not document["keys"]:
        # The startup job has not run yet (or failed): make the key now rather than publish none.
        await service.ensure_active_signing_key(session, settings=settings)
        document = await service.published_jwks(session)
    response.headers["Cache-Control"] = f"public, max-age={settings.jwks_max_age_seconds}"
    return JwkSet.model_validate(document)
