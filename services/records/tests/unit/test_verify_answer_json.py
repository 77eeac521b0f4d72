"""The JSON route of verification by code sends the answer's fields as built, without the
response model: the body must be byte for byte what FastAPI made of `VerificationAnswer`
(response_model, the model's own serialisation), for every state and every field."""

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import Response
from pydantic_core import to_json

from educert_common.verification.answer import VerificationAnswer
from records.reports.verifying import Found, answer_document, unknown_document

NOW = datetime(2026, 12, 2, 8, 30, 15, 123456, tzinfo=UTC)
# What asyncpg hands back for timestamptz is UTC; an offset time must come out the same.
SHANGHAI = timezone(timedelta(hours=8))
FACTS = [
    {"key": "name", "label_zh": "姓名", "label_en": "Name", "value_zh": "王芳", "value_en": "王芳"},
    {
        "key": "level",
        "label_zh": "层次",
        "label_en": "Level",
        "value_zh": "本科",
        "value_en": "Undergraduate",
    },
    {
        "key": "major",
        "label_zh": "专业",
        "label_en": 'Major "quoted" / \\ <tag> & \u2028',
        "value_zh": "计算机科学与技术",
        "value_en": "Computer Science",
    },
]


def found(**overrides: Any) -> Found:
    fields: dict[str, Any] = {
        "id": uuid.uuid4(),
        "code": "ABCD0123EFGH4567",
        "owner_id": uuid.uuid4(),
        "record_kind": "qualification",
        "status": "active",
        "valid_from": NOW - timedelta(days=3),
        "valid_until": (NOW + timedelta(days=27)).astimezone(SHANGHAI),
        "facts": FACTS,
        "photo_key": None,
        "alert_on_verify": False,
        "closed_at": None,
        "revoked_at": None,
        "revoked_reason": None,
        "institution_id": "4111010001",
        "institution_name_zh": "测试大学",
        "institution_name_en": "Test University",
        "institution_status": "active",
        "successor_name_zh": None,
        "successor_name_en": None,
    }
    return Found(**{**fields, **overrides})


CASES: dict[str, dict[str, Any]] = {
    "valid": answer_document(found(), NOW),
    "valid_student_status": answer_document(found(record_kind="student_status"), NOW),
    "not_yet_valid": answer_document(found(valid_from=NOW + timedelta(seconds=1)), NOW),
    "expired": answer_document(found(valid_until=NOW), NOW),
    "closed": answer_document(found(status="closed", closed_at=NOW - timedelta(hours=1)), NOW),
    "revoked": answer_document(
        found(status="revoked", revoked_at=NOW - timedelta(days=1), revoked_reason="operator"),
        NOW,
    ),
    "revoked_unbound": answer_document(
        found(status="revoked", revoked_at=NOW, revoked_reason="record_unbound"), NOW
    ),
    "merged_issuer": answer_document(
        found(
            institution_status="merged",
            successor_name_zh="合并后大学",
            successor_name_en="Merged University",
        ),
        NOW,
    ),
    "unpaid_is_unknown": answer_document(found(status="awaiting_payment", valid_from=None), NOW),
    "unknown": unknown_document("ZZZZZZZZZZZZZZZZ", NOW),
    "malformed": unknown_document(None, NOW),
    "whole_second": unknown_document(None, NOW.replace(microsecond=0)),
}


async def through_response_model(answer: VerificationAnswer) -> bytes:
    """What FastAPI sends for a route declared with `response_model=VerificationAnswer`."""
    app = FastAPI()

    @app.get("/answer", response_model=VerificationAnswer)
    async def route() -> Any:
        return answer

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/answer")
    assert response.headers["content-type"] == "application/json"
    return response.content


@pytest.mark.parametrize("case", sorted(CASES))
async def test_the_body_is_byte_identical_to_the_response_models(case: str) -> None:
    document = CASES[case]
    model = VerificationAnswer(**document)  # also: the document is a valid answer
    expected = await through_response_model(model)
    body = to_json(document)
    assert body == expected
    assert Response(body, media_type="application/json").headers["content-type"] == (
        "application/json"
    )


def test_states_and_what_each_shows() -> None:
    assert {case: CASES[case]["state"] for case in CASES} == {
        "valid": "valid",
        "valid_student_status": "valid",
        "not_yet_valid": "not_yet_valid",
        "expired": "expired",
        "closed": "closed",
        "revoked": "revoked",
        "revoked_unbound": "revoked",
        "merged_issuer": "valid",
        "unpaid_is_unknown": "unknown",
        "unknown": "unknown",
        "malformed": "unknown",
        "whole_second": "unknown",
    }
    # Facts only while valid; a closed or revoked report never shows them.
    assert [fact["value_en"] for fact in CASES["valid"]["facts"]] == [
        None,
        "Undergraduate",
        "Computer Science",
    ]
    for case in ("not_yet_valid", "expired", "closed", "revoked"):
        assert CASES[case]["facts"] == [] and CASES[case]["issuer"]["institution_id"]
    assert CASES["revoked"]["reason_en"] == "Revoked by the platform"
    assert CASES["unknown"]["code"] == "ZZZZ-ZZZZ-ZZZZ-ZZZZ" and CASES["malformed"]["code"] == ""
