"""The contract: each operation declares the problems its dependencies and the route can return."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query
from pydantic import BaseModel, Field

from educert_common.auth import CurrentPrincipal
from educert_common.auth.dependencies import require_roles
from educert_common.http.contract import declares_problems, install_contract, problems
from educert_common.http.problems import PROBLEM_CONTENT_TYPE


class Thing(BaseModel):
    name: str = Field(min_length=1, max_length=20)


@declares_problems(429)
async def rate_limited() -> None:
    """A dependency that can refuse with 429 (as a per-IP cap does)."""


def contract_app() -> FastAPI:
    router = APIRouter(prefix="/api/v1/things")

    @router.get("/about")
    async def about() -> dict[str, str]:
        return {}

    @router.get("")
    async def list_things(principal: CurrentPrincipal, limit: int = Query(10)) -> list[Thing]:
        return []

    @router.post(
        "", status_code=201, responses=problems(409, descriptions={409: "The name is taken"})
    )
    async def create(
        thing: Thing,
        _: Annotated[Any, Depends(require_roles("admin"))],
        __: Annotated[None, Depends(rate_limited)],
    ) -> Thing:
        return thing

    @router.get("/{thing_id}")
    async def read(thing_id: int) -> Thing:
        return Thing(name="x")

    app = FastAPI()
    app.include_router(router)
    install_contract(app)
    return app


def responses_of(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return document["paths"][path][method]["responses"]


def test_problems_follow_from_dependencies_and_the_routes_own_declarations() -> None:
    document = contract_app().openapi()
    assert set(responses_of(document, "/api/v1/things/about", "get")) == {"200", "500"}
    assert set(responses_of(document, "/api/v1/things", "get")) == {
        "200", "401", "422", "500", "503"
    }  # fmt: skip
    created = responses_of(document, "/api/v1/things", "post")
    assert set(created) == {"201", "400", "401", "403", "409", "422", "429", "500", "503"}
    assert created["409"]["description"] == "The name is taken"
    assert set(responses_of(document, "/api/v1/things/{thing_id}", "get")) == {
        "200", "404", "422", "500"
    }  # fmt: skip


def test_every_problem_is_a_problem_json_with_the_shared_schema() -> None:
    document = contract_app().openapi()
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert set(schemas["Problem"]["required"]) == {"type", "title", "status", "code"}
    assert schemas["Problem"]["properties"]["errors"]["anyOf"][0]["items"] == {
        "$ref": "#/components/schemas/ProblemFieldError"
    }
    for item in document["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert list(response["content"]) == [PROBLEM_CONTENT_TYPE]
                    assert response["content"][PROBLEM_CONTENT_TYPE]["schema"] == {
                        "$ref": "#/components/schemas/Problem"
                    }
