"""Build good and deliberately bad tokens in tests (never imported by running services)."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from jose import jwt

from educert_common.settings import PlatformSettings


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def access_claims(
    subject: str = "user-1",
    *,
    roles: list[str] | None = None,
    institution: str | None = None,
    scope: str = "",
    ttl_seconds: int = 900,
    settings: PlatformSettings | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Return the claims of a valid access token; `overrides` replace or add claims."""
    settings = settings or PlatformSettings()
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": roles if roles is not None else ["applicant"],
        "scope": scope,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "typ": "access",
    }
    if institution is not None:
        claims["inst"] = institution
    claims.update(overrides)
    return claims


def sign_rs256(claims: dict[str, Any], private_pem: str, kid: str, **headers: Any) -> str:
    """Sign `claims` with a real RSA key, as identity would."""
    return jwt.encode(claims, private_pem, algorithm="RS256", headers={"kid": kid, **headers})


def unsigned_token(claims: dict[str, Any], kid: str | None = None) -> str:
    """An `alg: none` token (no signature at all)."""
    header: dict[str, Any] = {"alg": "none", "typ": "JWT"}
    if kid:
        header["kid"] = kid
    return f"{_segment(header)}.{_segment(claims)}."


def hs256_token(claims: dict[str, Any], secret: bytes, kid: str | None = None) -> str:
    """An HS256 token; with the RSA public key as `secret` this is the HS/RS confusion attack."""
    header: dict[str, Any] = {"alg": "HS256", "typ": "JWT"}
    if kid:
        header["kid"] = kid
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def tamper_payload(token: str, **changes: Any) -> str:
    """Keep the header and signature of `token` but change its claims."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    return f"{header}.{_segment(claims)}.{signature}"
