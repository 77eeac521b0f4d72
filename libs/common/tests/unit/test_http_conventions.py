"""Problem responses, request ids, language choice and cursors, on a real ASGI app."""

import logging
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field

from educert_common.errors import Conflict, FieldError, Text, ValidationFailed
from educert_common.http.middleware import RequestContextMiddleware
from educert_common.http.pagination import Cursor, PageParams, page_params
from educert_common.http.problems import install_problem_handlers
from educert_common.i18n import preferred_language
from educert_common.logging import JsonFormatter


class Applicant(BaseModel):
    name: str = Field(max_length=20)
    age: int


def build_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware)

    @app.post("/applicants")
    async def create(applicant: Applicant) -> Applicant:
        return applicant

    @app.get("/conflict")
    async def conflict() -> None:
        raise Conflict(Text("Already submitted", "已提交"))

    @app.get("/refused")
    async def refused() -> None:
        raise ValidationFailed(
            errors=[FieldError("id_number", "check_digit", Text("Bad check digit", "校验位错误"))]
        )

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/page")
    async def page(params: Annotated[PageParams, Depends(page_params)]) -> dict[str, object]:
        return {"limit": params.limit, "cursor": params.cursor.id if params.cursor else None}

    return app


@pytest.fixture
async def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=build_app(), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_validation_errors_are_problems_naming_each_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/applicants", json={"name": "x" * 50, "age": "old"}, headers={"Accept-Language": "en"}
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "validation_failed"
    assert {e["field"] for e in body["errors"]} == {"name", "age"}
    assert body["request_id"] == response.headers["x-request-id"]


async def test_malformed_json_is_a_422_not_a_500(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/applicants", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "json_invalid"


async def test_domain_errors_speak_the_callers_language(client: httpx.AsyncClient) -> None:
    chinese = await client.get("/conflict", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    english = await client.get("/conflict", headers={"Accept-Language": "en-GB,zh;q=0.5"})

    assert chinese.status_code == english.status_code == 409
    assert chinese.json()["detail"] == "已提交"
    assert english.json()["detail"] == "Already submitted"
    assert english.json()["title"] == "Conflicts with the current state"


async def test_field_errors_from_services_are_listed(client: httpx.AsyncClient) -> None:
    response = await client.get("/refused", headers={"Accept-Language": "en"})

    assert response.json()["errors"] == [
        {"field": "id_number", "code": "check_digit", "message": "Bad check digit"}
    ]


async def test_unexpected_errors_are_500_problems_without_internals(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/boom")

    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "secret" not in response.text


async def test_unknown_routes_are_404_problems(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_sane_request_id_is_kept_and_a_hostile_one_replaced(
    client: httpx.AsyncClient,
) -> None:
    kept = await client.get("/nowhere", headers={"X-Request-ID": "abc-123"})
    replaced = await client.get("/nowhere", headers={"X-Request-ID": "bad id\r\ninjected"})

    assert kept.headers["x-request-id"] == "abc-123"
    assert replaced.headers["x-request-id"] != "bad id\r\ninjected"
    assert len(replaced.headers["x-request-id"]) == 32


async def test_cursors_round_trip_and_garbage_is_refused(client: httpx.AsyncClient) -> None:
    from datetime import UTC, datetime

    cursor = Cursor(datetime(2026, 11, 24, tzinfo=UTC), "42").encode()
    good = await client.get("/page", params={"limit": 5, "cursor": cursor})
    garbage = await client.get("/page", params={"cursor": "%%%not-a-cursor"})
    too_many = await client.get("/page", params={"limit": 1000})

    assert good.json() == {"limit": 5, "cursor": "42"}
    assert garbage.status_code == 422
    assert garbage.json()["errors"][0]["field"] == "query.cursor"
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "query.limit"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "zh"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR,en;q=0.5,zh;q=0.8", "zh"),
        ("de", "zh"),
        ("en;q=abc,zh", "zh"),
    ],
)
def test_preferred_language(header: str | None, expected: str) -> None:
    assert preferred_language(header) == expected


def test_log_lines_are_json_with_the_request_id() -> None:
    import json

    from educert_common.context import request_id_var

    token = request_id_var.set("req-1")
    try:
        record = logging.makeLogRecord({"msg": "hello %s", "args": ("world",), "levelname": "INFO"})
        record.__dict__["order_id"] = "o-1"
        line = json.loads(JsonFormatter("records").format(record))
    finally:
        request_id_var.reset(token)

    assert line["message"] == "hello world"
    assert line["request_id"] == "req-1"
    assert line["service"] == "records"
    assert line["order_id"] == "o-1"
