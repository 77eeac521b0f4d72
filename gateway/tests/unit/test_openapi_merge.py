"""Merging OpenAPI documents: identical schemas once, colliding names prefixed, no internals."""

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
    assert set(schemas) == {"Thing", "payment_Thing", "Shared"}
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
