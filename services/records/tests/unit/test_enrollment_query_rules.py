"""The public query's pure rules: captcha answers and their keyed hashes, typed names."""

import uuid

from records.enrollment_query.rules import (
    ALPHABET,
    ANSWER_LENGTH,
    answer_hash,
    answer_matches,
    new_answer,
    normalise_name,
)

KEY = b"k" * 32


def test_answers_use_the_unambiguous_alphabet() -> None:
    answers = {new_answer() for _ in range(200)}
    assert len(answers) > 190
    assert all(len(a) == ANSWER_LENGTH and set(a) <= set(ALPHABET) for a in answers)
    assert not set(ALPHABET) & set("01OIL2Z5S8B")


def test_an_answer_matches_in_any_case_and_spacing_but_only_on_its_captcha() -> None:
    captcha, other = uuid.uuid4(), uuid.uuid4()
    stored = answer_hash(KEY, captcha, "K7MPX")
    assert answer_matches(KEY, captcha, " k7m px ", stored)
    assert answer_matches(KEY, captcha, "Ｋ７ＭＰＸ", stored)  # full-width, as IMEs type it
    assert not answer_matches(KEY, captcha, "K7MPY", stored)
    assert not answer_matches(KEY, other, "K7MPX", stored)
    assert not answer_matches(b"x" * 32, captcha, "K7MPX", stored)
    assert "K7MPX" not in stored and len(stored) == 64


def test_names_compare_as_records_keep_them() -> None:
    assert normalise_name(" 李 明 ") == "李明"
    assert normalise_name("欧阳·娜娜") == "欧阳·娜娜"
    assert normalise_name("smith  john") == "SMITH JOHN"
