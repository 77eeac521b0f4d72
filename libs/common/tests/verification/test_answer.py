"""The answer model: what each state must carry, UTC inside, the photo never serialised."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from educert_common.verification import Fact, VerificationAnswer, VerificationState

from .samples import CHECKED_AT, CODE, FACTS, HIDDEN_ID_NUMBER, photo_png, sample_answer


def test_every_state_has_a_consistent_sample(state: VerificationState) -> None:
    answer = sample_answer(state)
    assert answer.state == state and answer.code == CODE


def test_an_unknown_answer_carries_only_the_code_and_time() -> None:
    answer = VerificationAnswer.unknown(CODE, CHECKED_AT)
    assert json.loads(answer.model_dump_json(exclude_defaults=True)) == {
        "state": "unknown",
        "code": CODE,
        "checked_at": "2026-12-02T07:30:00Z",
    }
    for leak in (
        {"facts": FACTS[:1]},
        {"title_en": "Report"},
        {"photo": photo_png()},
        {"reason_en": "revoked"},
    ):
        with pytest.raises(ValidationError, match="only code and checked_at"):
            VerificationAnswer(state="unknown", code=CODE, checked_at=CHECKED_AT, **leak)


@pytest.mark.parametrize(
    ("state", "missing"),
    [
        ("revoked", "state_since"),
        ("closed", "state_since"),
        ("expired", "state_since"),
        ("not_yet_valid", "valid_from"),
    ],
)
def test_a_state_says_since_when(state: VerificationState, missing: str) -> None:
    fields = sample_answer(state).model_dump() | {missing: None}
    with pytest.raises(ValidationError, match=missing):
        VerificationAnswer(**fields)


def test_a_known_document_is_named() -> None:
    fields = sample_answer("valid").model_dump() | {"title_en": None}
    with pytest.raises(ValidationError, match="titles"):
        VerificationAnswer(**fields)


def test_fact_keys_are_unique() -> None:
    fields = sample_answer("valid").model_dump() | {"facts": [FACTS[0], FACTS[0]]}
    with pytest.raises(ValidationError, match="unique"):
        VerificationAnswer(**fields)


@pytest.mark.parametrize("code", ["7K3MQ9XD2R8VHT4P", "7k3m-q9xd-2r8v-ht4p", "7K3M-Q9XD-2R8V-HT4U"])
def test_the_code_is_in_display_form(code: str) -> None:
    with pytest.raises(ValidationError, match="display form"):
        VerificationAnswer.unknown(code, CHECKED_AT)


def test_times_are_utc_inside_and_naive_times_are_refused() -> None:
    beijing = timezone(timedelta(hours=8))
    answer = VerificationAnswer.unknown(CODE, datetime(2026, 12, 2, 15, 30, tzinfo=beijing))
    assert answer.checked_at == CHECKED_AT and answer.checked_at.tzinfo == UTC
    with pytest.raises(ValidationError):
        VerificationAnswer.unknown(CODE, datetime(2026, 12, 2, 7, 30))


def test_the_answer_is_frozen() -> None:
    answer = sample_answer("valid")
    with pytest.raises(ValidationError):
        answer.state = "revoked"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        answer.facts[0].value = "李四"  # type: ignore[misc]


def test_json_carries_the_facts_but_not_the_photo() -> None:
    answer = sample_answer("valid")
    assert answer.photo is not None
    document = json.loads(answer.model_dump_json())
    assert "photo" not in document
    assert [fact["key"] for fact in document["facts"]] == [fact.key for fact in FACTS]
    assert document["issuer"]["registry_status"] == "active"
    assert HIDDEN_ID_NUMBER not in answer.model_dump_json()
    # The JSON reads back into the same answer, less the photo.
    assert VerificationAnswer.model_validate(document) == answer.model_copy(update={"photo": None})


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        Fact(key="name", label_zh="姓名", label_en="Name", value="张三", hidden=True)  # type: ignore[call-arg]
