"""RS256 access-token verification against identity's JWKS, with key and token caches.

The order matters for safety: the header is read only to pick the key (its `alg` must be
exactly RS256 and its `kid` known); the signature is verified with a key built from the JWKS
for RS256 only; only then are the claims parsed and checked. `jku`, `x5u` and `jwk` headers
are never looked at, so a token cannot name its own key.
"""

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx
from jose import jwk, jws
from jose.backends.base import Key
from jose.exceptions import JOSEError

from educert_common.settings import PlatformSettings

if TYPE_CHECKING:
    from educert_common.auth.revocation import RevocationList

logger = logging.getLogger(__name__)

ALLOWED_ALGORITHMS = ["RS256"]
ACCESS_TOKEN_TYPE = "access"


class InvalidToken(Exception):
    """The token is malformed, forged, expired or meant for someone else."""


class KeysUnavailable(Exception):
    """The signing keys cannot be fetched right now, so no token can be judged."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as an access token vouched for it."""

    subject: str
    roles: frozenset[str]
    institution: str | None
    scopes: frozenset[str]
    token_id: str
    expires_at: datetime
    # What a revocation can name: the login session (`sid`), the partner API key
    # (`api_key_id`), and when the token was issued (`iat`, for a disabled account).
    session_id: str | None = None
    api_key_id: str | None = None
    issued_at: float = 0.0

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)


def _numeric(claims: Mapping[str, Any], name: str, *, required: bool) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise InvalidToken(f"claim {name} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken(f"claim {name} is not a number")
    return float(value)


class TokenVerifier:
    """Verify access tokens; keys come from the JWKS URL and are cached.

    A token whose `kid` is unknown triggers a refetch (keys rotate), at most once per
    `min_refetch_seconds`, so garbage kids cannot turn into a flood of requests to identity.
    Verified tokens are cached (bounded LRU) until `token_cache_margin_seconds` before they
    expire: the RSA check then runs once per token, not once per request. With a
    `revocations` list, every answer (cached or not) is also checked against it, so a revoked
    session, API key or disabled account is refused as soon as the list hears of it.
    """

    def __init__(
        self,
        *,
        jwks_url: str,
        issuer: str,
        audience: str,
        cache_seconds: float = 300.0,
        min_refetch_seconds: float = 10.0,
        leeway_seconds: float = 30.0,
        token_cache_size: int = 10_000,
        token_cache_margin_seconds: float = 5.0,
        fetch_timeout_seconds: float = 5.0,
        revocations: "RevocationList | None" = None,
        revocation_wait_seconds: float = 3.0,
    ) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self.cache_seconds = cache_seconds
        self.min_refetch_seconds = min_refetch_seconds
        self.leeway_seconds = leeway_seconds
        self.token_cache_size = token_cache_size
        self.token_cache_margin_seconds = token_cache_margin_seconds
        self.fetch_timeout_seconds = fetch_timeout_seconds
        self.revocations = revocations
        self.revocation_wait_seconds = revocation_wait_seconds
        self._keys: dict[str, Key] = {}
        self._fetched_at: float | None = None  # monotonic time of the last successful fetch
        self._attempted_at: float | None = None  # monotonic time of the last attempt
        self._fetch_lock = asyncio.Lock()
        self._client: httpx.AsyncClient | None = None
        # token -> (principal, wall-clock time until which it may be served from the cache)
        self._tokens: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: PlatformSettings, **options: Any) -> "TokenVerifier":
        return cls(
            jwks_url=settings.resolved_jwks_url(),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            cache_seconds=settings.jwks_cache_seconds,
            **options,
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # --- verification -------------------------------------------------------------------

    async def verify(self, token: str) -> Principal:
        """Return the principal of a valid access token; raise InvalidToken otherwise."""
        cached = self._tokens.get(token)
        if cached is not None:
            if time.time() < cached[1]:
                self._tokens.move_to_end(token)
                await self._revocations_loaded()
                return self._unless_revoked(cached[0])
            self._tokens.pop(token, None)
        try:
            header = jws.get_unverified_header(token)
        except JOSEError as exc:
            raise InvalidToken("malformed token") from exc
        if not isinstance(header, dict) or header.get("alg") not in ALLOWED_ALGORITHMS:
            raise InvalidToken("algorithm not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("token names no key")
        key = await self._key_for(kid)
        principal, cache_until = self.verify_with_key(token, key)
        self._remember(token, principal, cache_until)
        await self._revocations_loaded()
        return self._unless_revoked(principal)

    async def _revocations_loaded(self) -> None:
        # Until a new process has read identity's revocations once, a revoked token looks
        # like a good one: wait briefly for that read, then answer "unavailable", never "valid".
        if self.revocations is None or self.revocations.loaded:
            return
        if not await self.revocations.wait_loaded(self.revocation_wait_seconds):
            raise KeysUnavailable("revocations not yet read from identity")

    def _unless_revoked(self, principal: Principal) -> Principal:
        if self.revocations is not None and self.revocations.revokes(principal):
            raise InvalidToken("token revoked")
        return principal

    def verify_with_key(self, token: str, key: Key) -> tuple[Principal, float]:
        """Check the signature with `key`, then the claims; return the principal and cache time."""
        try:
            payload = jws.verify(token, key, algorithms=ALLOWED_ALGORITHMS)
        except JOSEError as exc:
            raise InvalidToken("bad signature") from exc
        try:
            claims = json.loads(payload)
        except ValueError as exc:
            raise InvalidToken("claims are not JSON") from exc
        if not isinstance(claims, dict):
            raise InvalidToken("claims are not an object")
        return self._check_claims(claims)

    def _check_claims(self, claims: dict[str, Any]) -> tuple[Principal, float]:
        now = time.time()
        leeway = self.leeway_seconds
        exp = _numeric(claims, "exp", required=True)
        iat = _numeric(claims, "iat", required=True)
        nbf = _numeric(claims, "nbf", required=False)
        assert exp is not None and iat is not None
        if now >= exp + leeway:
            raise InvalidToken("token expired")
        if nbf is not None and now < nbf - leeway:
            raise InvalidToken("token not yet valid")
        if iat > now + leeway:
            raise InvalidToken("token issued in the future")
        if claims.get("iss") != self.issuer:
            raise InvalidToken("wrong issuer")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.audience not in audiences:
            raise InvalidToken("wrong audience")
        if claims.get("typ") != ACCESS_TOKEN_TYPE:
            raise InvalidToken("not an access token")
        subject = claims.get("sub")
        token_id = claims.get("jti")
        if not isinstance(subject, str) or not subject:
            raise InvalidToken("claim sub is missing")
        if not isinstance(token_id, str) or not token_id:
            raise InvalidToken("claim jti is missing")
        roles = claims.get("roles", [])
        scope = claims.get("scope", "")
        institution = claims.get("inst")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise InvalidToken("claim roles is not a list of names")
        if not isinstance(scope, str):
            raise InvalidToken("claim scope is not a string")
        if institution is not None and not isinstance(institution, str):
            raise InvalidToken("claim inst is not a string")
        session_id = claims.get("sid")
        api_key_id = claims.get("api_key_id")
        if session_id is not None and not isinstance(session_id, str):
            raise InvalidToken("claim sid is not a string")
        if api_key_id is not None and not isinstance(api_key_id, str):
            raise InvalidToken("claim api_key_id is not a string")
        principal = Principal(
            subject=subject,
            roles=frozenset(roles),
            institution=institution,
            scopes=frozenset(scope.split()),
            token_id=token_id,
            expires_at=datetime.fromtimestamp(exp, UTC),
            session_id=session_id,
            api_key_id=api_key_id,
            issued_at=iat,
        )
        return principal, exp - self.token_cache_margin_seconds

    def _remember(self, token: str, principal: Principal, cache_until: float) -> None:
        if cache_until <= time.time():
            return
        self._tokens[token] = (principal, cache_until)
        if len(self._tokens) > self.token_cache_size:
            self._tokens.popitem(last=False)

    # --- keys ---------------------------------------------------------------------------

    def _keys_fresh(self) -> bool:
        return (
            self._fetched_at is not None
            and time.monotonic() - self._fetched_at < self.cache_seconds
        )

    async def _key_for(self, kid: str) -> Key:
        key = self._keys.get(kid)
        if key is not None and self._keys_fresh():
            return key
        if key is None and self._keys_fresh() and not self._may_refetch():
            raise InvalidToken("unknown key")
        try:
            await self.refresh(force=key is None)
        except KeysUnavailable:
            if key is not None:
                # Identity is briefly unreachable: keep trusting keys already held.
                return key
            raise
        key = self._keys.get(kid)
        if key is None:
            raise InvalidToken("unknown key")
        return key

    def _may_refetch(self) -> bool:
        return (
            self._attempted_at is None
            or time.monotonic() - self._attempted_at >= self.min_refetch_seconds
        )

    async def refresh(self, *, force: bool = False) -> None:
        """Fetch the key set (one fetch at a time; rate-limited unless the cache is stale)."""
        async with self._fetch_lock:
            if self._keys_fresh() and not force:
                return
            if not self._may_refetch():
                # Fetched (or failed to) a moment ago: use what is held rather than ask again.
                if self._keys:
                    return
                raise KeysUnavailable(f"cannot fetch {self.jwks_url} (recently failed)")
            self._attempted_at = time.monotonic()
            keys = await self._fetch()
            if set(self._keys) - set(keys):
                # A key left the set (revoked or retired): forget tokens verified with it.
                self._tokens.clear()
            self._keys = keys
            self._fetched_at = time.monotonic()

    async def ready(self) -> bool:
        """Say whether keys are held (fetching them if the cache is stale)."""
        try:
            await self.refresh()
        except KeysUnavailable:
            return False
        return bool(self._keys)

    async def _fetch(self) -> dict[str, Key]:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.fetch_timeout_seconds)
        try:
            response = await self._client.get(self.jwks_url)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("JWKS fetch failed", extra={"url": self.jwks_url, "error": repr(exc)})
            raise KeysUnavailable(f"cannot fetch {self.jwks_url}") from exc
        return keys_from_jwks(document)


def keys_from_jwks(document: Any) -> dict[str, Key]:
    """Build RS256 verification keys from a JWK set; entries of any other kind are skipped."""
    keys: dict[str, Key] = {}
    entries = document.get("keys", []) if isinstance(document, dict) else []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        kid = entry.get("kid")
        if entry.get("kty") != "RSA" or entry.get("alg", "RS256") != "RS256" or not kid:
            continue
        if entry.get("use", "sig") != "sig" or "d" in entry:
            continue
        try:
            keys[str(kid)] = jwk.construct(entry, algorithm="RS256")
        except JOSEError:
            logger.warning("skipping unusable JWK", extra={"kid": kid})
    return keys
