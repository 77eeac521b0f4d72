"""The hot path: forward `/api/v1/<service>/...` to the service, as a raw ASGI app.

Per request: one pass over the headers, a routing check, CORS, the body limit, token
verification (a cache hit after the first request with a token), a token bucket, then one
request on a pooled keep-alive aiohttp connection with both bodies streamed.
"""

import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any

import aiohttp
from prometheus_client import Counter, Histogram
from starlette.types import Receive, Scope, Send
from yarl import URL

from educert_common.auth import InvalidToken, KeysUnavailable, Principal, TokenVerifier
from educert_common.context import request_id_var
from educert_common.http.client_ip import TrustedProxies, address_key
from educert_common.http.middleware import trusted_id
from educert_common.http.problems import (
    PROBLEM_CONTENT_TYPE,
    problem_body,
    status_code_and_title,
)
from educert_common.i18n import preferred_language
from educert_gateway.auth import ApiKeyExchanger, CredentialsUnavailable
from educert_gateway.config import GatewaySettings
from educert_gateway.limits import (
    BodyTooLarge,
    RateLimiter,
    RedisRateLimiter,
    retry_after_header,
)

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1/"
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Response headers not passed back: hop-by-hop ones, and the ones uvicorn sets itself.
_RESPONSE_DROP = HOP_BY_HOP | {b"date", b"server", b"x-request-id"}
_METHODS_WITHOUT_BODY = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "TRACE"})
# Responses up to this size are read whole and sent in one piece; bigger ones are streamed.
_WHOLE_BODY_LIMIT = 256 * 1024
_STREAM_CHUNK = 64 * 1024
# Request bodies up to this size are read before the upstream request starts.
_BUFFER_UP_TO = 64 * 1024
_EXPOSED_HEADERS = b"X-Request-ID, Retry-After, Content-Disposition"

GATEWAY_REQUESTS = Counter(
    "educert_gateway_requests_total", "Requests handled by the gateway", ["service", "status"]
)
GATEWAY_LATENCY = Histogram(
    "educert_gateway_request_duration_seconds",
    "Time from request to response headers, by target service",
    ["service"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class ClientGone(ConnectionResetError):
    """The client disconnected while sending its body."""


class UpstreamBroken(Exception):
    """The upstream failed after the response had begun; the connection is dropped."""


class Rejected(Exception):
    """The gateway answers the request itself with a problem response."""

    def __init__(
        self, status: int, *, code: str | None = None, headers: Iterable[tuple[bytes, bytes]] = ()
    ) -> None:
        super().__init__(status)
        self.status = status
        self.code = code
        self.headers = list(headers)


class Proxy:
    """Forward API requests to the services; answer errors as problem+json."""

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        session: aiohttp.ClientSession,
        verifier: TokenVerifier,
        limiter: RateLimiter | RedisRateLimiter,
        api_keys: ApiKeyExchanger,
    ) -> None:
        self.settings = settings
        self.session = session
        self.verifier = verifier
        self.limiter = limiter
        self.rate_limit_exempt = tuple(settings.rate_limit_exempt_prefixes)
        self.trusted_proxies = TrustedProxies(settings.trusted_proxies)
        self.api_keys = api_keys
        self.upstreams = {
            name: settings.platform.service_url(name)
            for name in ("identity", "records", "certification", "payment", "notification")
        }
        self.timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=settings.upstream_connect_timeout_seconds,
            sock_read=settings.upstream_timeout_seconds,
        )
        self.max_body = settings.max_body_bytes
        self.max_upload = settings.max_upload_bytes
        self.upload_routes = [re.compile(pattern) for pattern in settings.upload_routes]
        self.allowed_origins = frozenset(o.encode() for o in settings.cors_allowed_origins)
        self.any_origin = b"*" in self.allowed_origins
        self.cors_max_age = str(settings.cors_max_age_seconds).encode()
        self._metrics: dict[tuple[str, int], Any] = {}
        self._latency: dict[str, Any] = {}

    # --- entry --------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        request_id = None
        origin = None
        accept_language = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = trusted_id(value)
            elif name == b"origin":
                origin = value
            elif name == b"accept-language":
                accept_language = value
        request_id = request_id or uuid.uuid4().hex
        token = request_id_var.set(request_id)
        cors = self._cors_headers(origin)
        service = "unknown"
        status = 500
        try:
            service, status = await self._handle(scope, receive, send, request_id, origin, cors)
        except ClientGone:
            status = 499  # nobody left to answer
        except Rejected as rejection:
            status = rejection.status
            await self._send_problem(send, scope, rejection, request_id, cors, accept_language)
        finally:
            self._observe(service, status, time.perf_counter() - started)
            request_id_var.reset(token)

    def _observe(self, service: str, status: int, elapsed: float) -> None:
        counter = self._metrics.get((service, status))
        if counter is None:
            counter = self._metrics[(service, status)] = GATEWAY_REQUESTS.labels(
                service, str(status)
            )
        counter.inc()
        histogram = self._latency.get(service)
        if histogram is None:
            histogram = self._latency[service] = GATEWAY_LATENCY.labels(service)
        histogram.observe(elapsed)

    # --- the request --------------------------------------------------------------------

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        request_id: str,
        origin: bytes | None,
        cors: list[tuple[bytes, bytes]],
    ) -> tuple[str, int]:
        path: str = scope["path"]
        service, _, tail = path[len(API_PREFIX) :].partition("/")
        base = self.upstreams.get(service)
        if base is None:
            raise Rejected(404)
        service_tail = tail.lower().split("/")
        if "internal" in service_tail or ".." in service_tail:
            # Service-to-service routes are never exposed, however the path is spelled.
            raise Rejected(404)
        method: str = scope["method"]

        # One pass: keep end-to-end headers, pick out the ones the gateway acts on.
        forwarded: list[tuple[str, str]] = []
        authorization = api_key = connection = forwarded_for = host = None
        content_length: bytes | None = None
        chunked = False
        preflight_method = None
        for name, value in scope["headers"]:
            if name in HOP_BY_HOP:
                if name == b"connection":
                    connection = value
                elif name == b"transfer-encoding":
                    chunked = b"chunked" in value.lower()
                continue
            if name == b"authorization":
                authorization = value
            elif name == b"x-api-key":
                api_key = value
            elif name == b"host":
                host = value
            elif name == b"x-forwarded-for":
                # Several headers form one list, in order (RFC 9110 §5.3).
                forwarded_for = value if forwarded_for is None else forwarded_for + b", " + value
            elif name in (b"x-request-id", b"x-forwarded-proto", b"x-forwarded-host"):
                pass
            else:
                if name == b"content-length":
                    content_length = value
                elif name == b"access-control-request-method":
                    preflight_method = value
                forwarded.append((name.decode("latin-1"), value.decode("latin-1")))
        if connection is not None:
            listed = {t.strip().lower() for t in connection.decode("latin-1").split(",")}
            forwarded = [(k, v) for k, v in forwarded if k not in listed]

        if method == "OPTIONS" and origin is not None and preflight_method is not None:
            await self._preflight(scope, send, origin, cors, request_id)
            return service, 204

        length = 0
        if content_length is not None:
            try:
                length = int(content_length)
            except ValueError:
                raise Rejected(400) from None
            if length < 0:
                raise Rejected(400)
            if length > self.body_limit(path):
                raise Rejected(413)

        peer = scope["client"][0] if scope.get("client") else "unknown"
        chain = forwarded_for.decode("latin-1") if forwarded_for else None
        # Behind an ingress the peer is the ingress; the client is in X-Forwarded-For.
        client_ip = self.trusted_proxies.client(peer, chain)
        principal, credential = await self._authenticate(authorization, api_key, client_ip)
        if credential is not None:
            forwarded.append(("authorization", credential))
        client_key = (
            f"s:{principal.subject}" if principal is not None else f"ip:{address_key(client_ip)}"
        )
        wait = (
            0.0 if path.startswith(self.rate_limit_exempt) else await self.limiter.take(client_key)
        )
        if wait:
            raise Rejected(429, headers=[(b"retry-after", retry_after_header(wait).encode())])

        forwarded.append(("x-request-id", request_id))
        forwarded.append(("x-forwarded-for", self.trusted_proxies.forward_chain(peer, chain)))
        forwarded.append(("x-forwarded-proto", scope.get("scheme", "http")))
        if host is not None:
            forwarded.append(("x-forwarded-host", host.decode("latin-1")))

        data: Any = None
        if length > 0 or chunked:
            data = await self._request_body(receive, self.body_limit(path))
        target = base + scope.get("raw_path", path.encode()).decode("latin-1")
        query = scope.get("query_string")
        if query:
            target = f"{target}?{query.decode('latin-1')}"
        status = await self._forward(
            method, URL(target, encoded=True), request_id, forwarded, data, send, cors
        )
        return service, status

    async def _authenticate(
        self, authorization: bytes | None, api_key: bytes | None, peer: str
    ) -> tuple[Principal | None, str | None]:
        """Return the caller and the Authorization header to send upstream (a bearer token)."""
        if authorization is None and api_key is None:
            return None, None
        try:
            if authorization is not None:
                header = authorization.decode("latin-1")
                scheme, _, token = header.partition(" ")
                if scheme.lower() != "bearer" or not token.strip():
                    raise InvalidToken("not a bearer token")
                return await self.verifier.verify(token.strip()), header
            assert api_key is not None
            token = await self.api_keys.token_for(api_key.decode("latin-1"))
            return await self.verifier.verify(token), f"Bearer {token}"
        except InvalidToken:
            # Failed attempts count against the caller's address, so guessing is throttled.
            wait = await self.limiter.take(f"ip:{address_key(peer)}")
            if wait:
                raise Rejected(
                    429, headers=[(b"retry-after", retry_after_header(wait).encode())]
                ) from None
            raise Rejected(
                401, headers=[(b"www-authenticate", b'Bearer error="invalid_token"')]
            ) from None
        except (KeysUnavailable, CredentialsUnavailable):
            raise Rejected(503) from None

    def body_limit(self, path: str) -> int:
        """The largest body a route takes: uploads of whole files, or every other request."""
        if any(route.match(path) for route in self.upload_routes):
            return self.max_upload
        return self.max_body

    async def _request_body(self, receive: Receive, limit: int) -> Any:
        """Return a small body as bytes (read before connecting), a bigger one as a counted stream.

        Bodies up to `_BUFFER_UP_TO` are read first, so an over-limit chunked body is refused
        before anything reaches a service; past that the body streams and is counted as it
        goes (413 if it grows past the limit before the service answers).
        """
        parts: list[bytes] = []
        received = 0
        more = True
        while more and received < _BUFFER_UP_TO:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone()
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                raise Rejected(413)
            if chunk:
                parts.append(chunk)
            more = message.get("more_body", False)
        if not more:
            return b"".join(parts)
        state = {"too_large": False}

        async def stream() -> AsyncIterator[bytes]:
            nonlocal received
            for part in parts:
                yield part
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientGone()
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    state["too_large"] = True
                    raise BodyTooLarge()
                if chunk:
                    yield chunk
                if not message.get("more_body", False):
                    return

        return _CountedBody(stream(), state)

    async def _forward(
        self,
        method: str,
        url: URL,
        request_id: str,
        headers: list[tuple[str, str]],
        data: Any,
        send: Send,
        cors: list[tuple[bytes, bytes]],
    ) -> int:
        counted = data if isinstance(data, _CountedBody) else None
        payload = counted.stream if counted is not None else data
        started = False
        try:
            async with self.session.request(
                method,
                url,
                headers=headers,
                data=payload,
                allow_redirects=False,
                timeout=self.timeout,
            ) as upstream:
                response_headers = [
                    (name, value)
                    for name, value in upstream.raw_headers
                    if name.lower() not in _RESPONSE_DROP
                ]
                response_headers.append((b"x-request-id", request_id.encode()))
                response_headers.extend(cors)
                start = {
                    "type": "http.response.start",
                    "status": upstream.status,
                    "headers": response_headers,
                }
                length = upstream.content_length
                if length is not None and length <= _WHOLE_BODY_LIMIT:
                    body = await upstream.read()
                    started = True
                    await send(start)
                    await send({"type": "http.response.body", "body": body})
                    return upstream.status
                started = True
                await send(start)
                async for chunk in upstream.content.iter_chunked(_STREAM_CHUNK):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b""})
                return upstream.status
        except (TimeoutError, aiohttp.ClientError, BodyTooLarge, ConnectionResetError) as exc:
            if started:
                # Too late for a problem response: drop the connection so the client sees it.
                raise UpstreamBroken(str(url)) from exc
            if counted is not None and counted.state["too_large"]:
                raise Rejected(413) from None
            if isinstance(exc, TimeoutError):
                raise Rejected(504) from None
            logger.warning("upstream failed", extra={"url": str(url), "error": repr(exc)})
            raise Rejected(502) from None

    # --- CORS ---------------------------------------------------------------------------

    def _cors_headers(self, origin: bytes | None) -> list[tuple[bytes, bytes]]:
        if origin is None:
            return []
        if origin in self.allowed_origins:
            return [
                (b"access-control-allow-origin", origin),
                (b"access-control-allow-credentials", b"true"),
                (b"access-control-expose-headers", _EXPOSED_HEADERS),
                (b"vary", b"Origin"),
            ]
        if self.any_origin:
            # Any page may read public answers, but never with its visitor's credentials.
            return [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-expose-headers", _EXPOSED_HEADERS),
            ]
        return []

    async def _preflight(
        self,
        scope: Scope,
        send: Send,
        origin: bytes,
        cors: list[tuple[bytes, bytes]],
        request_id: str,
    ) -> None:
        if not cors:
            raise Rejected(403, code="origin_not_allowed")
        requested_headers = b""
        for name, value in scope["headers"]:
            if name == b"access-control-request-headers":
                requested_headers = value
        headers = [
            *cors,
            (b"access-control-allow-methods", b"GET, POST, PUT, PATCH, DELETE, OPTIONS"),
            (b"access-control-max-age", self.cors_max_age),
            (b"x-request-id", request_id.encode()),
        ]
        if requested_headers:
            headers.append((b"access-control-allow-headers", requested_headers))
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    # --- problems -----------------------------------------------------------------------

    async def _send_problem(
        self,
        send: Send,
        scope: Scope,
        rejection: Rejected,
        request_id: str,
        cors: list[tuple[bytes, bytes]],
        accept_language: bytes | None,
    ) -> None:
        await send_problem(
            send,
            rejection.status,
            code=rejection.code,
            instance=scope["path"],
            accept_language=accept_language,
            headers=[*rejection.headers, *cors, (b"x-request-id", request_id.encode())],
        )


class _CountedBody:
    """A streamed request body and whether it went over the limit."""

    __slots__ = ("state", "stream")

    def __init__(self, stream: AsyncIterator[bytes], state: dict[str, bool]) -> None:
        self.stream = stream
        self.state = state


async def send_problem(
    send: Send,
    status: int,
    *,
    code: str | None = None,
    instance: str | None = None,
    accept_language: bytes | None = None,
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    """Send an RFC 9457 problem+json response from raw ASGI."""
    language = preferred_language(accept_language.decode("latin-1") if accept_language else None)
    default_code, title = status_code_and_title(status)
    body = json.dumps(
        problem_body(
            status=status,
            code=code or default_code,
            title=title.in_language(language),
            instance=instance,
        ),
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
