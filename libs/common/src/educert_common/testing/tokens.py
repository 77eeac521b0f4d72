"""Access tokens for tests: good ones as identity signs them, and deliberately bad ones.

libs/common depends on no service: `Tokens` signs with whatever key it is given. The root
conftest's `tokens` fixture gives it identity's active signing key (so services verifying
against identity's JWKS accept the tokens); libs/common's own tests use `Tokens.generate()`
and serve `jwks()` themselves.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwt

from educert_common.auth import ACCESS_TOKEN_TYPE
from educert_common.settings import PlatformSettings


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64_uint(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


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
        "typ": ACCESS_TOKEN_TYPE,
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


@dataclass(frozen=True)
class Tokens:
    """Mints access tokens with the claims identity puts in them, signed with one RSA key."""

    kid: str
    private_pem: str
    public_pem: bytes

    @classmethod
    def from_private_pem(cls, kid: str, private_pem: str) -> "Tokens":
        key = serialization.load_pem_private_key(private_pem.encode(), password=None)
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(kid, private_pem, public_pem)

    @classmethod
    def generate(cls, kid: str | None = None) -> "Tokens":
        """A fresh key of one's own (publish it with `jwks()`)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return cls.from_private_pem(kid or uuid.uuid4().hex, pem)

    def public_jwk(self) -> dict[str, str]:
        public_key = serialization.load_pem_public_key(self.public_pem)
        assert isinstance(public_key, rsa.RSAPublicKey)
        numbers = public_key.public_numbers()
        return {
            "kty": "RSA",
            "kid": self.kid,
            "alg": "RS256",
            "use": "sig",
            "n": _b64_uint(numbers.n),
            "e": _b64_uint(numbers.e),
        }

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [self.public_jwk()]}

    async def mint(
        self,
        subject: str = "user-1",
        *,
        roles: Iterable[str] = ("applicant",),
        institution: str | None = None,
        scopes: Iterable[str] = (),
        ttl: timedelta = timedelta(minutes=15),
        **claims: Any,
    ) -> str:
        """An access token for `subject`, as a logged-in user (or partner) would hold."""
        issued = int(time.time())
        return sign_rs256(
            access_claims(
                subject,
                roles=sorted(set(roles)),
                institution=institution,
                scope=" ".join(sorted(set(scopes))),
                ttl_seconds=int(ttl.total_seconds()),
                nbf=issued,
                **claims,
            ),
            self.private_pem,
            self.kid,
        )
