"""Domain rules of the identity service; functions flush, the calling scope commits."""

import asyncio
import base64
import hashlib
import json
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt
from jose.backends.base import Key
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.auth import ACCESS_TOKEN_TYPE
from educert_common.crypto import FieldCipher
from educert_common.db import utcnow
from identity.config import IdentitySettings
from identity.exceptions import SigningKeyUnavailable
from identity.models import SigningKey, SigningKeyStatus
from identity.repository import SigningKeyRepository

if TYPE_CHECKING:
    from educert_common.app import ServiceRuntime

logger = logging.getLogger(__name__)

RSA_KEY_BITS = 2048


@lru_cache(maxsize=1)
def _default_settings() -> IdentitySettings:
    return IdentitySettings()


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _key_cipher(secret: str) -> FieldCipher:
    return FieldCipher.from_secret(secret, purpose="identity-signing-key")


def encrypt_private_key(pem: bytes, *, kid: str, secret: str) -> bytes:
    """Encrypt a private key PEM (AES-256-GCM, the kid as associated data)."""
    return _key_cipher(secret).encrypt(pem.decode(), context=kid)


def decrypt_private_key(blob: bytes, *, kid: str, secret: str) -> bytes:
    """Decrypt what `encrypt_private_key` produced (fails if the blob or kid was altered)."""
    return _key_cipher(secret).decrypt(blob, context=kid).encode()


def generate_key_pair() -> tuple[str, dict[str, Any], bytes]:
    """Create an RSA key; return its kid (RFC 7638 thumbprint), public JWK and private PEM."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    numbers = private_key.public_key().public_numbers()
    n, e = _b64url_uint(numbers.n), _b64url_uint(numbers.e)
    thumbprint_input = json.dumps({"e": e, "kty": "RSA", "n": n}, separators=(",", ":"))
    kid = base64.urlsafe_b64encode(hashlib.sha256(thumbprint_input.encode()).digest())
    kid_text = kid.rstrip(b"=").decode()
    public_jwk = {"kty": "RSA", "kid": kid_text, "alg": "RS256", "use": "sig", "n": n, "e": e}
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return kid_text, public_jwk, pem


async def ensure_active_signing_key(
    session: AsyncSession, *, settings: IdentitySettings | None = None, now: datetime | None = None
) -> SigningKey:
    """Return the active signing key, creating (and rotating to) a new one if none may sign.

    Safe when several replicas start at once: creation runs under a transaction-scoped
    PostgreSQL advisory lock, and the check is repeated once the lock is held.
    """
    settings = settings or _default_settings()
    now = now or utcnow()
    repository = SigningKeyRepository(session)
    key = await repository.current_active(now)
    if key is not None:
        return key
    await repository.lock_for_rotation()
    key = await repository.current_active(now)
    if key is not None:
        return key
    await repository.retire_active()
    await repository.retire_expired(now - timedelta(seconds=settings.access_token_ttl_seconds))
    kid, public_jwk, pem = generate_key_pair()
    key = SigningKey(
        kid=kid,
        algorithm="RS256",
        public_jwk=public_jwk,
        private_key_encrypted=encrypt_private_key(pem, kid=kid, secret=settings.secret_key),
        status=SigningKeyStatus.ACTIVE,
        created_at=now,
        not_after=now + timedelta(days=settings.signing_key_lifetime_days),
    )
    await repository.add(key)
    logger.info("signing key created", extra={"kid": kid})
    return key


async def published_jwks(session: AsyncSession) -> dict[str, list[dict[str, Any]]]:
    """Return the JWK set verifiers need: the active key and the ones still retiring."""
    keys = await SigningKeyRepository(session).published()
    return {"keys": [dict(key.public_jwk) for key in keys]}


# Decrypted private keys by kid: decrypting (and parsing the PEM) once per key, not per token.
_private_pems: dict[str, str] = {}
_signers: dict[str, Key] = {}


def _private_pem(key: SigningKey, secret: str) -> str:
    pem = _private_pems.get(key.kid)
    if pem is None:
        try:
            pem = decrypt_private_key(
                key.private_key_encrypted, kid=key.kid, secret=secret
            ).decode()
        except Exception as exc:
            # The most likely cause: IDENTITY_SECRET_KEY changed since the key was made.
            raise SigningKeyUnavailable() from exc
        _private_pems[key.kid] = pem
    return pem


async def signing_key_pem(
    session: AsyncSession, *, settings: IdentitySettings | None = None
) -> tuple[str, str]:
    """Return the active key's kid and private PEM (tests use it to forge tokens)."""
    settings = settings or _default_settings()
    key = await ensure_active_signing_key(session, settings=settings)
    return key.kid, _private_pem(key, settings.secret_key)


async def issue_access_token(
    session: AsyncSession,
    *,
    subject: str,
    roles: Iterable[str],
    institution: str | None = None,
    scopes: Iterable[str] = (),
    ttl: timedelta = timedelta(minutes=15),
    settings: IdentitySettings | None = None,
    extra_claims: dict[str, Any] | None = None,
) -> str:
    """Sign an RS256 access token for `subject` with the active key (its kid in the header)."""
    settings = settings or _default_settings()
    kid, pem = await signing_key_pem(session, settings=settings)
    signer = _signers.get(kid)
    if signer is None:
        # Parsing the PEM (with its RSA consistency checks) costs ~30 ms: once per key.
        signer = _signers[kid] = jwk.construct(pem, algorithm="RS256")
    now = utcnow()
    issued_at = int(now.timestamp())
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": sorted(set(roles)),
        "scope": " ".join(sorted(set(scopes))),
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + int(ttl.total_seconds()),
        "jti": uuid.uuid4().hex,
        "iss": settings.platform.jwt_issuer,
        "aud": settings.platform.jwt_audience,
        "typ": ACCESS_TOKEN_TYPE,
    }
    if institution is not None:
        claims["inst"] = institution
    for name, value in (extra_claims or {}).items():
        claims.setdefault(name, value)
    return jwt.encode(claims, signer, algorithm="RS256", headers={"kid": kid})


async def ensure_signing_key_at_startup(runtime: "ServiceRuntime") -> None:
    """Run once at startup: make sure a key can sign (retrying while the database is down)."""
    settings = runtime.settings
    assert isinstance(settings, IdentitySettings)
    delay = 0.5
    while True:
        try:
            async with runtime.database.transaction() as session:
                key = await ensure_active_signing_key(session, settings=settings)
            logger.info("signing key ready", extra={"kid": key.kid})
            return
        except (OSError, SQLAlchemyError) as exc:
            logger.warning("cannot ensure a signing key yet", extra={"error": repr(exc)})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
