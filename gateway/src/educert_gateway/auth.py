"""Who is calling: bearer tokens verified here (and again by services), API keys exchanged.

API-key exchange contract (identity implements it; the gateway only calls it):

    POST {identity_url}/internal/api-keys/exchange
    Content-Type: application/json
    X-Internal-Token: <EDUCERT_INTERNAL_TOKEN>   (identity answers 404 without it)
    {"api_key": "<the partner's key>"}

    200 {"access_token": "<RS256 access token>", "expires_in": <seconds>}
    any other status: the key is unknown, revoked or expired -> the gateway answers 401

The token is cached per key (by the SHA-256 of the key, never the key itself) until
`api_key_token_margin_seconds` before it expires, and forwarded as `Authorization: Bearer`
in place of `X-API-Key`, so services only ever see one kind of credential.
"""

import hashlib
import time
from collections import OrderedDict
from collections.abc import Mapping

import aiohttp

from educert_common.auth import InvalidToken


class CredentialsUnavailable(Exception):
    """Identity could not be asked (down or too slow), so the credential cannot be judged."""


class ApiKeyExchanger:
    """Swap partner API keys for short-lived access tokens, caching each until near expiry."""

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession,
        exchange_url: str,
        margin_seconds: float,
        cache_size: int,
        timeout_seconds: float,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.session = session
        # The shared internal token: identity guards the exchange route with it. Content-Type
        # is explicit because the proxy's session skips aiohttp's automatic one.
        self.headers = {"Content-Type": "application/json", **dict(headers or {})}
        self.exchange_url = exchange_url
        self.margin_seconds = margin_seconds
        self.cache_size = cache_size
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        # sha256(key) -> (access token, monotonic time until which it is reused)
        self._tokens: OrderedDict[str, tuple[str, float]] = OrderedDict()

    async def token_for(self, api_key: str) -> str:
        """Return an access token for `api_key`; raise InvalidToken if identity refuses it."""
        digest = hashlib.sha256(api_key.encode()).hexdigest()
        cached = self._tokens.get(digest)
        if cached is not None and time.monotonic() < cached[1]:
            self._tokens.move_to_end(digest)
            return cached[0]
        try:
            async with self.session.post(
                self.exchange_url,
                json={"api_key": api_key},
                headers=self.headers,
                timeout=self.timeout,
            ) as response:
                if response.status != 200:
                    self._tokens.pop(digest, None)
                    raise InvalidToken("API key refused")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise CredentialsUnavailable("identity cannot exchange API keys now") from exc
        except ValueError as exc:
            raise InvalidToken("unreadable exchange answer") from exc
        token = body.get("access_token") if isinstance(body, dict) else None
        expires_in = body.get("expires_in") if isinstance(body, dict) else None
        if not isinstance(token, str) or not isinstance(expires_in, int | float):
            raise InvalidToken("unreadable exchange answer")
        valid_until = time.monotonic() + float(expires_in) - self.margin_seconds
        if valid_until > time.monotonic():
            self._tokens[digest] = (token, valid_until)
            if len(self._tokens) > self.cache_size:
                self._tokens.popitem(last=False)
        return token
