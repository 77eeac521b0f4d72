"""Merging OpenAPI documents: identical schemas once, colliding names prefixed, no internals."""

from educert_common.http.contract import problem_response, problem_schemas
from educert_gateway.openapi import merge_documents


def doc(service: str, schemas: dict, extra_paths: dict | None = None) -> dict:
    return {
        "openapi": "3.1.0",
        "paths": {
            f"/api/v1/{service}/thing": {
                "get": {
                    "operationId": "get_thing",
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"}
                                }
                            }
                        }
                    },
                }
            },
            f"/api/v1/{service}/internal/secret": {"get": {"responses": {}}},
            "/healthz": {"get": {"responses": {}}},
            **(extra_paths or {}),
        },
        "components": {"schemas": schemas},
    }


def test_colliding_schemas_are_prefixed_and_refs_follow() -> None:
    shared = {"type": "object", "properties": {"id": {"type": "string"}}}
    merged = merge_documents(
        {
            "records": doc("records", {"Thing": {"type": "object"}, "Shared": shared}),
            "payment": doc(
                "payment",
                {
                    "Thing": {"type": "object", "properties": {"fen": {"type": "integer"}}},
                    "Shared": shared,
                },
            ),
        }
    )
    schemas = merged["components"]["schemas"]
    assert set(schemas) - set(problem_schemas()) == {"Thing", "payment_Thing", "Shared"}
    payment_ref = merged["paths"]["/api/v1/payment/thing"]["get"]["responses"]["200"]
    assert payment_ref["content"]["application/json"]["schema"]["$ref"].endswith("/payment_Thing")
    assert merged["paths"]["/api/v1/payment/thing"]["get"]["operationId"] == "payment_get_thing"
    assert not [p for p in merged["paths"] if "internal" in p or p == "/healthz"]


def test_schema_referring_to_a_renamed_one_is_renamed_too() -> None:
    wrapper = {"type": "object", "properties": {"item": {"$ref": "#/components/schemas/Thing"}}}
    merged = merge_documents(
        {
            "records": doc("records", {"Thing": {"type": "string"}, "Wrapper": wrapper}),
            "payment": doc("payment", {"Thing": {"type": "integer"}, "Wrapper": wrapper}),
        },
        unavailable=["notification"],
    )
    schemas = merged["components"]["schemas"]
    assert schemas["payment_Wrapper"]["properties"]["item"]["$ref"].endswith("/payment_Thing")
    assert schemas["Wrapper"]["properties"]["item"]["$ref"].endswith("/Thing")
    assert merged["x-unavailable-services"] == ["notification"]


def test_every_operation_declares_the_gateways_own_problems() -> None:
    body_path = {
        "/api/v1/records/things": {
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {}}}},
                "responses": {"201": {"description": "Created"}, "422": problem_response(422)},
            }
        }
    }
    merged = merge_documents(
        {
            "records": doc("records", {"Thing": {"type": "object"}}, body_path),
            "payment": doc("payment", {"Thing": {"type": "object"}}),
        }
    )
    without_body = merged["paths"]["/api/v1/payment/thing"]["get"]["responses"]
    with_body = merged["paths"]["/api/v1/records/things"]["post"]["responses"]
    assert set(without_body) == {"200", "401", "429", "502", "503", "504"}
    assert set(with_body) == {"201", "401", "413", "422", "429", "502", "503", "504"}
    problem = with_body["413"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/Problem"}
    assert merged["components"]["schemas"]["Problem"] == problem_schemas()["Problem"]


def test_the_services_shared_problem_schema_is_kept_once() -> None:
    merged = merge_documents(
        {
            "records": doc("records", {"Thing": {"type": "object"}, **problem_schemas()}),
            "payment": doc("payment", {"Thing": {"type": "object"}, **problem_schemas()}),
        }
    )
    assert not [name for name in merged["components"]["schemas"] if "_Problem" in name]
