"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware): request ids and Prometheus metrics."""

import re
import time
import uuid

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from educert_common.context import correlation_id_var, request_id_var

REQUEST_ID_HEADER = "x-request-id"
CORRELATION_ID_HEADER = "x-correlation-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

HTTP_REQUESTS = Counter(
    "educert_http_requests_total",
    "HTTP requests handled",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "educert_http_request_duration_seconds",
    "Time from request to the end of the response",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def new_request_id() -> str:
    return uuid.uuid4().hex


def trusted_id(raw: bytes | None) -> str | None:
    """Accept a caller's id only if it is short and plain, so it is safe in logs and headers."""
    if raw is None:
        return None
    value = raw.decode("latin-1")
    return value if _SAFE_ID.match(value) else None


class RequestContextMiddleware:
    """Give every request an id (kept from X-Request-ID when sane) and echo it in the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        request_id = trusted_id(headers.get(REQUEST_ID_HEADER.encode())) or new_request_id()
        correlation_id = trusted_id(headers.get(CORRELATION_ID_HEADER.encode())) or request_id
        request_token = request_id_var.set(request_id)
        correlation_token = correlation_id_var.set(correlation_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    (k, v) for k, v in message["headers"] if k.lower() != b"x-request-id"
                ] + [(b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(request_token)
            correlation_id_var.reset(correlation_token)


class MetricsMiddleware:
    """Count and time requests by route template (not raw path, to keep label sets bounded)."""

    def __init__(self, app: ASGIApp, service: str, route_prefix: str = "") -> None:
        self.app = app
        self.service = service
        # Apps built by create_service_app register flat routes with their full path; a route
        # of a router FastAPI keeps nested knows its path without the prefix it was included
        # under (services include their routers under this one prefix), so both are handled.
        self.route_prefix = route_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = scope.get("route")
            # The template without convertors ({id}, not {id:uuid}): one label per route.
            template = (
                getattr(route, "path_format", None) or getattr(route, "path", None) or "unmatched"
            )
            if (
                self.route_prefix
                and template != "unmatched"
                and scope["path"].startswith(self.route_prefix)
                and not template.startswith(self.route_prefix)
            ):
                template = self.route_prefix + template
            method = scope["method"]
            HTTP_REQUESTS.labels(self.service, method, template, str(status)).inc()
            HTTP_LATENCY.labels(self.service, method, template).observe(
                time.perf_counter() - started
            )
