"""The service app factory: one place that wires a service's database, broker, events and HTTP."""

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.auth.revocation import RevocationFeed, RevocationList
from educert_common.auth.verifier import TokenVerifier
from educert_common.db import Database
from educert_common.events.broker import Broker
from educert_common.events.consumer import EventConsumer, EventHandler
from educert_common.events.outbox import Outbox, OutboxRelay
from educert_common.events.tables import MessagingTables
from educert_common.http.contract import install_contract
from educert_common.http.health import (
    HealthCheck,
    ReadinessCheck,
    WarningCheck,
    health_router,
    run_warning_check,
)
from educert_common.http.middleware import MetricsMiddleware, RequestContextMiddleware
from educert_common.http.problems import install_problem_handlers
from educert_common.logging import configure_logging
from educert_common.settings import ServiceSettings

logger = logging.getLogger(__name__)

BackgroundJob = Callable[["ServiceRuntime"], Awaitable[None]]
# Event handlers by type, or a function of the service's settings returning them, for handlers
# that need settings (they get them from here, never by reading the environment themselves).
EventHandlers = Mapping[str, EventHandler] | Callable[[Any], Mapping[str, EventHandler]]
SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
# A service's warnings by name, built from its app (for what `create_app` put on app.state).
WarningChecks = Callable[[FastAPI], Mapping[str, WarningCheck]]


@dataclass(frozen=True)
class ServiceDefinition:
    """What makes one service different from the others; everything else is shared."""

    name: str
    title: str
    description: str
    routers: Sequence[APIRouter]
    messaging: MessagingTables
    migrations_dir: Path
    # Service-to-service routes (paths start with /internal); mounted without the public
    # prefix, so the gateway never forwards them, and kept out of the OpenAPI document.
    internal_routers: Sequence[APIRouter] = ()
    event_handlers: EventHandlers = field(default_factory=dict)
    # Long-running loops (expiry sweeps, schedulers) started and cancelled with the app.
    background_jobs: Sequence[BackgroundJob] = ()
    # Conditions operators must hear about without the service leaving the load balancer:
    # each is logged as a WARNING at start-up when it warns, and shown on /readyz (still 200).
    warning_checks: WarningChecks | None = None
    version: str = "0.1.0"


@dataclass
class ServiceRuntime:
    """The live parts of a running service, kept on `app.state.runtime`."""

    definition: ServiceDefinition
    settings: ServiceSettings
    database: Database
    broker: Broker
    outbox: Outbox
    relay: OutboxRelay
    consumer: EventConsumer | None
    token_verifier: TokenVerifier
    # Fills the verifier's revocation list; each replica subscribes on its own.
    revocation_feed: RevocationFeed
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    def readiness_checks(self) -> dict[str, ReadinessCheck]:
        return {
            "database": self.database.ping,
            "broker": self.broker.ping,
            "revocations": self.revocation_feed.check,
        }


def api_prefix(service: str) -> str:
    return f"/api/v1/{service}"


def create_service_app(
    definition: ServiceDefinition, settings: ServiceSettings, *, flat_routes: bool = True
) -> FastAPI:
    """Build the FastAPI app for one service (`flat_routes=False`: FastAPI's nested routers)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(definition.name, settings.platform.log_level)
        runtime = build_runtime(definition, settings)
        app.state.runtime = runtime
        await runtime.broker.start()
        await runtime.revocation_feed.start()
        runtime.tasks.append(asyncio.create_task(runtime.relay.run(), name="outbox-relay"))
        if runtime.consumer is not None:
            await runtime.consumer.start()
        for job in definition.background_jobs:
            runtime.tasks.append(asyncio.create_task(job(runtime), name=job.__name__))
        # Everything built at start-up (routes, models, metadata) lives as long as the process:
        # out of the collector's reach, a full collection walks only what requests allocate,
        # instead of stalling every request in flight while it walks the whole app.
        gc.collect()
        gc.freeze()
        logger.info("service started", extra={"port": settings.port})
        await _log_warnings(app, definition)
        try:
            yield
        finally:
            if runtime.consumer is not None:
                await runtime.consumer.stop()
            runtime.relay.stop()
            for task in runtime.tasks:
                if task.get_name() != "outbox-relay":
                    task.cancel()
            await asyncio.gather(*runtime.tasks, return_exceptions=True)
            await runtime.broker.close()
            await runtime.revocation_feed.stop()
            await runtime.token_verifier.aclose()
            await runtime.database.dispose()
            logger.info("service stopped")

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version=definition.version,
        lifespan=lifespan,
        openapi_url=f"{api_prefix(definition.name)}/openapi.json",
        docs_url=f"{api_prefix(definition.name)}/docs",
        redoc_url=None,
    )
    install_problem_handlers(app)
    app.add_middleware(
        MetricsMiddleware, service=definition.name, route_prefix=api_prefix(definition.name)
    )
    app.add_middleware(RequestContextMiddleware)
    include = include_flat if flat_routes else FastAPI.include_router

    def health_checks(request: Request) -> dict[str, HealthCheck]:
        checks: dict[str, HealthCheck] = {**runtime_of(request).readiness_checks()}
        if definition.warning_checks is not None:
            checks.update(definition.warning_checks(request.app))
        return checks

    include(app, health_router(health_checks))
    for router in definition.routers:
        include(app, router, prefix=api_prefix(definition.name))
    for router in definition.internal_routers:
        include(app, router, include_in_schema=False)
    install_contract(app)
    return app


async def _log_warnings(app: FastAPI, definition: ServiceDefinition) -> None:
    """Log each of the service's warnings once, at start-up, where operators read first."""
    if definition.warning_checks is None:
        return
    for name, check in definition.warning_checks(app).items():
        text = await run_warning_check(check)
        if text is not None:
            logger.warning("%s: %s", name, text, extra={"check": name})


def include_flat(
    app: FastAPI, router: APIRouter, *, prefix: str = "", include_in_schema: bool = True
) -> None:
    """Include `router` as `app.include_router` does, its routes registered on the app itself."""
    # FastAPI keeps an included router nested and walks every level of it on every request
    # (route matching was 15-20% of the CPU of a simple GET); a flat list of routes, each
    # with its full path and everything its routers gave it, matches the same way for less.
    app.include_router(router, prefix=prefix, include_in_schema=include_in_schema)
    included = app.router.routes[-1]
    contexts = list(iter_route_contexts([included]))
    if _flattenable(router) and all(
        _plain_api_route(context.original_route) for context in contexts
    ):
        app.router.routes[-1:] = [_flat_route(context) for context in contexts]


def _flattenable(router: APIRouter) -> bool:
    """Whether no router of the tree has what a flat route cannot carry."""
    # Form limits apply per router level, and frontend routes live apart from `routes`.
    if router.form_limits or getattr(router, "_low_priority_routes", None):
        return False
    children = (getattr(route, "original_router", None) for route in router.routes)
    return all(_flattenable(child) for child in children if isinstance(child, APIRouter))


def _plain_api_route(route: Any) -> bool:
    # A route class of its own may take other arguments; a streamed item type is not one.
    return type(route) is APIRoute and route.stream_item_type is None


def _flat_route(context: RouteContext) -> APIRoute:
    """Build the route FastAPI derives for an included route, as if declared on the app."""
    original = context.original_route
    assert isinstance(original, APIRoute)
    return APIRoute(
        context.path or "",
        original.endpoint,
        response_model=context.response_model,
        status_code=context.status_code,
        tags=context.tags,
        dependencies=context.dependencies,
        summary=context.summary,
        description=context.description,
        response_description=context.response_description,
        responses=context.responses,
        deprecated=context.deprecated,
        name=context.name,
        methods=context.methods,
        operation_id=context.operation_id,
        response_model_include=context.response_model_include,
        response_model_exclude=context.response_model_exclude,
        response_model_by_alias=context.response_model_by_alias,
        response_model_exclude_unset=context.response_model_exclude_unset,
        response_model_exclude_defaults=context.response_model_exclude_defaults,
        response_model_exclude_none=context.response_model_exclude_none,
        include_in_schema=context.include_in_schema,
        response_class=context.response_class,
        dependency_overrides_provider=context.dependency_overrides_provider,
        callbacks=context.callbacks,
        openapi_extra=context.openapi_extra,
        generate_unique_id_function=context.generate_unique_id_function,
        strict_content_type=context.strict_content_type,
        max_body_size=context.max_body_size,
        form_limits=original.form_limits,
    )


def build_runtime(definition: ServiceDefinition, settings: ServiceSettings) -> ServiceRuntime:
    database = Database.connect(
        settings.resolved_database_url(), pool_size=settings.database_pool_size
    )
    broker = Broker(settings.platform.broker_url, prefix=settings.platform.broker_prefix)
    outbox = Outbox(definition.messaging, source=definition.name)
    relay = OutboxRelay(
        database,
        definition.messaging,
        broker,
        batch_size=settings.outbox_batch_size,
        poll_seconds=settings.outbox_poll_seconds,
        max_backoff_seconds=settings.outbox_max_backoff_seconds,
        source=definition.name,
    )
    consumer = None
    handlers = definition.event_handlers
    if callable(handlers):
        handlers = handlers(settings)
    if handlers:
        consumer = EventConsumer(
            service=definition.name,
            database=database,
            messaging=definition.messaging,
            broker=broker,
            handlers=handlers,
            prefetch=settings.consumer_prefetch,
            retry_delays_ms=settings.consumer_retry_delays_ms,
            delivery_limit=settings.consumer_delivery_limit,
            max_concurrency=settings.database_pool_size,
        )
    revocations = RevocationList(awaiting_first_load=True)
    return ServiceRuntime(
        definition,
        settings,
        database,
        broker,
        outbox,
        relay,
        consumer,
        token_verifier=TokenVerifier.from_settings(settings.platform, revocations=revocations),
        revocation_feed=RevocationFeed.from_settings(
            settings.platform, revocations, process_name=definition.name
        ),
    )


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def settings_reader(settings_type: type[SettingsT]) -> Callable[[Request], SettingsT]:
    """Build a function that reads the app's settings, typed as its service's, from a request."""

    def settings_of(request: Request) -> SettingsT:
        settings = runtime_of(request).settings
        if not isinstance(settings, settings_type):
            raise TypeError(f"this app runs with {type(settings).__name__}, not {settings_type}")
        return settings

    return settings_of


def settings_dependency(
    settings_type: type[SettingsT],
) -> Callable[[Request], Awaitable[SettingsT]]:
    """Build the dependency that gives a route its service's settings, typed as theirs:
    `SettingsDep = Annotated[XSettings, Depends(settings_dependency(XSettings))]`."""
    read = settings_reader(settings_type)

    # Dependencies are coroutines: FastAPI runs a plain function in a worker thread, a hop
    # that costs more than reading an attribute.
    async def settings_dep(request: Request) -> SettingsT:
        return read(request)

    return settings_dep


async def _session_in_transaction(request: Request) -> AsyncIterator[AsyncSession]:
    async with runtime_of(request).database.transaction() as session:
        yield session


# One transaction per request, committed before the response is sent (scope="function").
SessionDep = Annotated[AsyncSession, Depends(_session_in_transaction, scope="function")]


async def _session_for_reading(request: Request) -> AsyncIterator[AsyncSession]:
    async with runtime_of(request).database.reading() as session:
        yield session


# For routes that only read, with what they show coming from one statement (or where a
# statement-level snapshot is enough): no BEGIN/COMMIT round trips; ORM writes are refused.
ReadSessionDep = Annotated[AsyncSession, Depends(_session_for_reading, scope="function")]


async def _outbox(request: Request) -> Outbox:
    return runtime_of(request).outbox


OutboxDep = Annotated[Outbox, Depends(_outbox)]
