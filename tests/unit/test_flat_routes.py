"""Flat routes: every service's app answers, documents and labels its routes as when nested.

The "before" app of each service is `create_service_app(..., flat_routes=False)`, which includes
the routers as FastAPI nests them; the "after" app is the service's own `create_app()`. Both
are built, never started: requests reach routing and dependencies, and a route that needs the
runtime (database, broker) fails after it was selected, the same way in both apps.
"""

import contextlib
import importlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import NoneType
from typing import Annotated, Any, get_args, get_type_hints

import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException
from fastapi.routing import APIRoute, iter_route_contexts
from httpx import ASGITransport, AsyncClient
from starlette.convertors import FloatConvertor, IntegerConvertor, PathConvertor, UUIDConvertor
from starlette.types import Message

from educert_common.app import create_service_app, include_flat
from educert_common.http.middleware import HTTP_REQUESTS

SERVICES = ("identity", "records", "certification", "payment", "notification")
METHODS = ("PATCH", "DELETE", "PUT", "POST", "GET")


@dataclass(frozen=True)
class Apps:
    before: FastAPI
    after: FastAPI


@pytest.fixture(scope="module", params=SERVICES)
def apps(request: pytest.FixtureRequest) -> Apps:
    main = importlib.import_module(f"{request.param}.main")
    hint = get_type_hints(main.create_app)["settings"]
    settings_type = next(arg for arg in get_args(hint) if arg is not NoneType)
    after = main.create_app()
    before = create_service_app(main.DEFINITION, settings_type(), flat_routes=False)
    # What create_app adds besides the factory (signing keys, a clock) both apps share.
    before.state = after.state
    return Apps(before=before, after=after)


@dataclass(frozen=True)
class Answer:
    status: int | None
    allow: bytes | None
    location: bytes | None
    endpoint: str | None
    path_params: dict[str, Any]
    # The route label MetricsMiddleware gave the request.
    label: str | None


def _request_counts() -> dict[tuple[str, ...], float]:
    return {
        tuple(sorted(sample.labels.items())): sample.value  # type: ignore[misc]
        for metric in HTTP_REQUESTS.collect()
        for sample in metric.samples
        if sample.name.endswith("_total")
    }


async def ask(app: FastAPI, method: str, path: str) -> Answer:
    """Send one request straight to the ASGI app and note how it was routed and answered."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"test")],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    counts = _request_counts()
    # Routes that need the runtime raise once selected; routing is what is compared here.
    with contextlib.suppress(Exception):
        await app(scope, receive, send)
    start = next((m for m in sent if m["type"] == "http.response.start"), None)
    headers = dict(start["headers"]) if start else {}
    grown = [
        dict(labels)["route"]
        for labels, value in _request_counts().items()
        if value > counts.get(labels, 0.0)
    ]
    return Answer(
        status=start["status"] if start else None,
        allow=headers.get(b"allow"),
        location=headers.get(b"location"),
        endpoint=endpoint_name(scope.get("endpoint")),
        path_params=scope.get("path_params", {}),
        label=grown[0] if len(grown) == 1 else None,
    )


def endpoint_name(endpoint: Callable[..., Any] | None) -> str | None:
    """Name an endpoint; the app's own (OpenAPI, docs, health) are new functions in each app."""
    if endpoint is None:
        return None
    return f"{endpoint.__module__}:{endpoint.__qualname__}"


def concrete_path(route: APIRoute) -> str:
    """Fill the route's path parameters with values its convertors accept."""
    samples = {
        IntegerConvertor: "7",
        FloatConvertor: "1.5",
        UUIDConvertor: str(uuid.UUID(int=7)),
        PathConvertor: "a/b.pdf",
    }
    path = route.path_format
    for name, convertor in route.param_convertors.items():
        path = path.replace("{" + name + "}", samples.get(type(convertor), f"{name}-7"))
    return path


def api_routes(app: FastAPI) -> list[APIRoute]:
    return [route for route in app.routes if isinstance(route, APIRoute)]


def test_every_included_route_is_registered_flat(apps: Apps) -> None:
    nested = [
        (context.path_format, sorted(context.methods or ()), endpoint_name(context.endpoint))
        for context in iter_route_contexts(apps.before.routes)
    ]
    flat = [
        (route.path_format, sorted(route.methods or ()), endpoint_name(route.endpoint))  # type: ignore[attr-defined]
        for route in apps.after.routes
    ]
    assert flat == nested
    # No router is left nested: each route of theirs is an APIRoute of the app's own.
    nested_api_routes = [
        context
        for context in iter_route_contexts(apps.before.routes)
        if isinstance(context.original_route, APIRoute)
    ]
    assert len(api_routes(apps.after)) == len(nested_api_routes) == len(apps.after.routes) - 3


def test_openapi_document_is_byte_identical(apps: Apps) -> None:
    before = json.dumps(apps.before.openapi(), ensure_ascii=False)
    after = json.dumps(apps.after.openapi(), ensure_ascii=False)
    assert after == before


async def test_every_route_resolves_to_the_same_endpoint_and_label(apps: Apps) -> None:
    for route in api_routes(apps.after):
        path = concrete_path(route)
        for method in sorted(route.methods):
            before = await ask(apps.before, method, path)
            after = await ask(apps.after, method, path)
            assert after == before, (method, path)
            assert after.endpoint is not None
            # The label is the route template, full prefix included.
            assert after.label == route.path_format, (method, path)


async def test_unknown_paths_and_wrong_methods_answer_as_before(apps: Apps) -> None:
    service = apps.after.title
    for path in ("/nowhere", "/api/v1/nowhere", f"{apps.after.openapi_url}/nothing-here"):
        before, after = await ask(apps.before, "GET", path), await ask(apps.after, "GET", path)
        assert (after.status, after.label) == (404, "unmatched"), (service, path)
        assert after == before
    allowed: dict[str, set[str]] = {}
    for route in api_routes(apps.after):
        allowed.setdefault(concrete_path(route), set()).update(route.methods)
    refused = 0
    for path, methods in allowed.items():
        wrong = next(method for method in METHODS if method not in methods)
        before = await ask(apps.before, wrong, path)
        after = await ask(apps.after, wrong, path)
        assert after == before, (service, wrong, path)
        # Another route may take the method (PATCH /templates/{id} for /templates/preview).
        if after.status == 405:
            refused += 1
            assert after.allow is not None
            # The path's first route names its methods (FastAPI's way, as before).
            assert set(after.allow.decode().split(", ")) <= methods
        # A slash too many is redirected (or not) as before.
        slash_before = await ask(apps.before, sorted(methods)[0], path + "/")
        slash_after = await ask(apps.after, sorted(methods)[0], path + "/")
        assert slash_after == slash_before
    assert refused >= len(allowed) // 2


def _header_dependency(name: str) -> Callable[..., Any]:
    async def require(x_token: Annotated[str | None, Header()] = None) -> None:
        if x_token != name:
            raise HTTPException(status_code=403, detail=f"needs {name}")

    return require


def _tree() -> APIRouter:
    leaf = APIRouter(prefix="/things", tags=["things"], responses={418: {"description": "Tea"}})

    @leaf.get("/{thing_id}")
    async def get_thing(thing_id: int) -> dict[str, int]:
        return {"thing_id": thing_id}

    @leaf.delete("/{thing_id}", deprecated=True)
    async def delete_thing(thing_id: int) -> None:
        return None

    middle = APIRouter(dependencies=[Depends(_header_dependency("secret"))])
    middle.include_router(leaf, prefix="/v2", tags=["v2"], deprecated=True)
    return middle


def _apps_of_tree() -> Iterator[FastAPI]:
    for flat in (False, True):
        app = FastAPI()
        if flat:
            include_flat(app, _tree(), prefix="/api")
        else:
            app.include_router(_tree(), prefix="/api")
        yield app


async def test_router_settings_reach_the_flat_routes() -> None:
    nested, flat = _apps_of_tree()
    assert [type(route) for route in flat.routes[-2:]] == [APIRoute, APIRoute]
    assert json.dumps(flat.openapi()) == json.dumps(nested.openapi())
    operation = flat.openapi()["paths"]["/api/v2/things/{thing_id}"]["get"]
    assert operation["tags"] == ["v2", "things"]
    assert operation["deprecated"] is True
    assert "418" in operation["responses"]
    async with AsyncClient(transport=ASGITransport(app=flat), base_url="http://t") as client:
        # The middle router's dependency still guards the leaf's routes.
        assert (await client.get("/api/v2/things/3")).status_code == 403
        answer = await client.get("/api/v2/things/3", headers={"x-token": "secret"})
        assert answer.json() == {"thing_id": 3}
        # Overrides set on the app after it was built still apply.
        flat.dependency_overrides[get_dependency(flat)] = lambda: None
        assert (await client.get("/api/v2/things/4")).json() == {"thing_id": 4}


def get_dependency(app: FastAPI) -> Callable[..., Any]:
    route = app.routes[-2]
    assert isinstance(route, APIRoute)
    call = route.dependant.dependencies[0].call
    assert call is not None
    return call


def test_a_router_with_form_limits_stays_nested() -> None:
    router = APIRouter(form_limits={"max_files": 2})

    @router.get("/one")
    async def one() -> None:
        return None

    app = FastAPI()
    include_flat(app, router, prefix="/api")
    assert not isinstance(app.routes[-1], APIRoute)
    assert [context.path for context in iter_route_contexts(app.routes[-1:])] == ["/api/one"]
