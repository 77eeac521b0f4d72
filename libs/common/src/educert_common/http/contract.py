"""The API contract: every operation declares the problem responses it can return.

Most statuses follow from what a route depends on, so they are derived here once instead of
listed per route: a bearer token (401, 503 when keys cannot be fetched), a role or scope
guard (403), path parameters (404), any parameter or body (422; 400 for a body that is not
JSON), and 500 everywhere. A
dependency that can refuse in its own way says so with `@declares_problems(429)`; a route
adds what its service raises with `responses=problems(409)`. Every problem response carries
the `Problem` schema under `application/problem+json`, FastAPI's default 422 included.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.routing import BaseRoute

from educert_common.http.problems import (
    PROBLEM_CONTENT_TYPE,
    Problem,
    status_code_and_title,
)

_PROBLEMS_ATTRIBUTE = "__problem_statuses__"
_PROBLEM_REF = "#/components/schemas/Problem"
# FastAPI's own 422 schemas, replaced by Problem.
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")

CallableT = TypeVar("CallableT", bound=Callable[..., Any])


def declares_problems(*statuses: int) -> Callable[[CallableT], CallableT]:
    """Mark a dependency as able to answer with these problem statuses (routes inherit them)."""

    def mark(dependency: CallableT) -> CallableT:
        setattr(dependency, _PROBLEMS_ATTRIBUTE, frozenset(statuses))
        return dependency

    return mark


def problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    """The OpenAPI response object of one problem status."""
    return {
        "description": description or status_code_and_title(status)[1].en,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": _PROBLEM_REF}}},
    }


def problems(
    *statuses: int, descriptions: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """`responses=` of the problems a route raises itself: `problems(409)`."""
    described = dict(descriptions or {})
    return {
        status: problem_response(status, described.get(status))
        for status in sorted({*statuses, *described})
    }


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def derived_problem_statuses(route: APIRoute | RouteContext) -> set[int]:
    """The problem statuses a route can answer with, from what it depends on."""
    statuses = {500}
    for dependant in _dependants(route.dependant):
        statuses |= getattr(dependant.call, _PROBLEMS_ATTRIBUTE, frozenset())
        if dependant.path_params:
            statuses.add(404)
        if (
            dependant.path_params
            or dependant.query_params
            or dependant.header_params
            or dependant.cookie_params
            or dependant.body_params
        ):
            statuses.add(422)
        if dependant.body_params:
            # A body that is not JSON (or not UTF-8) is refused before validation.
            statuses.add(400)
    return statuses


def problem_schemas() -> dict[str, Any]:
    """The `Problem` schema and what it refers to, as `components/schemas` entries."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    return {"Problem": schema, **schema.pop("$defs", {})}


def _refers_to(node: Any, ref: str) -> bool:
    if isinstance(node, dict):
        return node.get("$ref") == ref or any(_refers_to(v, ref) for v in node.values())
    if isinstance(node, list):
        return any(_refers_to(item, ref) for item in node)
    return False


def declare_problems(document: dict[str, Any], routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """Give every operation of `document` its problem responses (changes it in place)."""
    paths: dict[str, Any] = document.get("paths") or {}
    # Routes of included routers are seen through FastAPI's route contexts (full path,
    # router-level dependencies), as its own OpenAPI generation sees them.
    for route in iter_route_contexts(list(routes)):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        item = paths.get(route.path_format or "") or {}
        for method in route.methods or ():
            operation = item.get(method.lower())
            if operation is None:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            declared = {int(key) for key in responses if key.isdigit() and int(key) >= 400}
            for status in sorted(declared | derived_problem_statuses(route)):
                own = route.responses.get(status) or {}
                responses[str(status)] = problem_response(status, own.get("description"))
            operation["responses"] = dict(sorted(responses.items()))
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(problem_schemas())
    if not _refers_to(paths, "#/components/schemas/HTTPValidationError"):
        for name in _FASTAPI_VALIDATION_SCHEMAS:
            schemas.pop(name, None)
    return document


def install_contract(app: FastAPI) -> None:
    """Make `app.openapi()` declare every operation's problem responses."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_problems(build(), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
