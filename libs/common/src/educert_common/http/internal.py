"""Service-to-service calls under /internal/...: never forwarded by the gateway, and guarded
by a shared token so that reaching a service's port is not enough."""

from typing import Annotated

import httpx
from fastapi import Depends, Request

from educert_common.crypto import constant_time_equals
from educert_common.errors import NotFound
from educert_common.settings import PlatformSettings

INTERNAL_TOKEN_HEADER = "X-Internal-Token"


async def _require_internal_caller(request: Request) -> None:
    settings: PlatformSettings = request.app.state.runtime.settings.platform
    presented = request.headers.get(INTERNAL_TOKEN_HEADER, "")
    if not presented or not constant_time_equals(presented, settings.internal_token):
        raise NotFound()  # the route does not exist for anyone else


InternalCaller = Annotated[None, Depends(_require_internal_caller)]


def internal_client(
    settings: PlatformSettings, service: str, timeout: float = 10.0
) -> httpx.AsyncClient:
    """An HTTP client for another service's /internal routes, with the shared token set."""
    return httpx.AsyncClient(
        base_url=settings.service_url(service),
        headers={INTERNAL_TOKEN_HEADER: settings.internal_token},
        timeout=timeout,
    )
