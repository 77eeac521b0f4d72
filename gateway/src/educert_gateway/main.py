"""App factory: `uvicorn educert_gateway.main:create_app --factory`.

`/api/v1/...` goes straight to the raw ASGI proxy (gateway.proxy); everything else
(`/healthz`, `/readyz`, `/metrics`, `/openapi.json`, `/docs`) is a small FastAPI app that
also owns the lifespan: one aiohttp session, the token verifier and the limiter.
"""

import importlib.resources
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from educert_common.auth import TokenVerifier
from educert_common.auth.revocation import RevocationFeed, RevocationList
from educert_common.http.health import health_router
from educert_common.http.internal import INTERNAL_TOKEN_HEADER
from educert_common.http.middleware import RequestContextMiddleware
from educert_common.http.problems import install_problem_handlers
from educert_common.logging import configure_logging
from educert_common.settings import SERVICE_NAMES
from educert_gateway.auth import ApiKeyExchanger
from educert_gateway.config import GatewaySettings
from educert_gateway.limits import RateLimiter, RedisRateLimiter
from educert_gateway.openapi import OpenApiAggregator
from educert_gateway.proxy import API_PREFIX, Proxy

logger = logging.getLogger(__name__)

DOCS_ASSETS_PATH = "/docs/assets"


class Gateway:
    """The ASGI app uvicorn runs: API traffic to the proxy, the rest to the FastAPI app."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        revocations = RevocationList(awaiting_first_load=True)
        self.verifier = TokenVerifier.from_settings(settings.platform, revocations=revocations)
        # No database here: the feed's broadcast queue needs no inbox (a revocation heard
        # twice is simply kept once).
        self.revocation_feed = RevocationFeed.from_settings(
            settings.platform, revocations, process_name="gateway"
        )
        local = RateLimiter(
            rate=settings.rate_limit_per_second,
            burst=settings.rate_limit_burst,
            max_clients=settings.rate_limit_max_clients,
        )
        self.limiter: RateLimiter | RedisRateLimiter = local
        if settings.rate_limit_redis_url:
            self.limiter = RedisRateLimiter(
                url=settings.rate_limit_redis_url,
                prefix=settings.rate_limit_redis_prefix,
                timeout_seconds=settings.rate_limit_redis_timeout_seconds,
                local=local,
            )
        self.proxy: Proxy | None = None
        self.openapi: OpenApiAggregator | None = None
        self.session: aiohttp.ClientSession | None = None
        self.app = self._build_app()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(API_PREFIX):
            assert self.proxy is not None, "the gateway has not started"
            await self.proxy(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def start(self) -> None:
        settings = self.settings
        connector = aiohttp.TCPConnector(
            limit=settings.upstream_pool_size,
            keepalive_timeout=settings.upstream_keepalive_seconds,
            ttl_dns_cache=300,
        )
        self.session = aiohttp.ClientSession(
            connector=connector,
            # Bodies pass through as they are; cookies are the clients' business, not ours.
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
        )
        upstreams = {name: settings.platform.service_url(name) for name in SERVICE_NAMES}
        api_keys = ApiKeyExchanger(
            session=self.session,
            exchange_url=f"{upstreams['identity']}/internal/api-keys/exchange",
            margin_seconds=settings.api_key_token_margin_seconds,
            cache_size=settings.api_key_cache_size,
            timeout_seconds=min(settings.upstream_timeout_seconds, 10.0),
            headers={INTERNAL_TOKEN_HEADER: settings.platform.internal_token},
        )
        self.proxy = Proxy(
            settings,
            session=self.session,
            verifier=self.verifier,
            limiter=self.limiter,
            api_keys=api_keys,
        )
        self.openapi = OpenApiAggregator(
            session=self.session,
            upstreams=upstreams,
            cache_seconds=settings.openapi_cache_seconds,
            fetch_timeout_seconds=settings.openapi_fetch_timeout_seconds,
        )
        await self.revocation_feed.start()
        if not await self.verifier.ready():
            logger.warning("JWKS not reachable yet", extra={"url": self.verifier.jwks_url})

    async def stop(self) -> None:
        await self.revocation_feed.stop()
        if self.session is not None:
            await self.session.close()
        await self.limiter.aclose()
        await self.verifier.aclose()

    async def _jwks_ready(self) -> None:
        if not await self.verifier.ready():
            raise ConnectionError("JWKS unreachable")

    def _build_app(self) -> FastAPI:
        gateway = self

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            configure_logging("gateway", gateway.settings.platform.log_level)
            await gateway.start()
            logger.info("gateway started", extra={"port": gateway.settings.port})
            try:
                yield
            finally:
                await gateway.stop()
                logger.info("gateway stopped")

        app = FastAPI(
            title="EduCert gateway",
            lifespan=lifespan,
            openapi_url=None,
            docs_url=None,
            redoc_url=None,
        )
        app.state.token_verifier = self.verifier
        install_problem_handlers(app)
        app.add_middleware(RequestContextMiddleware)
        app.include_router(
            health_router(
                lambda request: {
                    "jwks": gateway._jwks_ready,
                    "revocations": gateway.revocation_feed.check,
                }
            )
        )
        router = APIRouter()

        @router.get("/openapi.json", include_in_schema=False)
        async def openapi_document() -> Response:
            assert gateway.openapi is not None
            return Response(await gateway.openapi.document(), media_type="application/json")

        @router.get("/docs", include_in_schema=False)
        async def docs() -> HTMLResponse:
            return get_swagger_ui_html(
                openapi_url="/openapi.json",
                title="EduCert API",
                swagger_js_url=f"{DOCS_ASSETS_PATH}/swagger-ui-bundle.js",
                swagger_css_url=f"{DOCS_ASSETS_PATH}/swagger-ui.css",
                swagger_favicon_url=f"{DOCS_ASSETS_PATH}/favicon.png",
                # No badge from the public validator service: nothing leaves the network.
                swagger_ui_parameters={"validatorUrl": None},
            )

        @router.get("/", include_in_schema=False)
        async def root(request: Request) -> JSONResponse:
            return JSONResponse({"docs": "/docs", "openapi": "/openapi.json"})

        app.include_router(router)
        # Swagger UI's files come from a package (pinned in uv.lock), not from a CDN, so the
        # docs work on a network without internet.
        app.mount(
            DOCS_ASSETS_PATH,
            StaticFiles(directory=str(importlib.resources.files("fastapi_offline") / "static")),
            name="docs-assets",
        )
        return app


def create_app(settings: GatewaySettings | None = None) -> Gateway:
    return Gateway(settings or GatewaySettings())
