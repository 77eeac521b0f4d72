"""The bulk import's fast paths give exactly what the plain code gives: the per-file memo of
field checks, orjson's JSON of facts and fingerprints (json.dumps's text: a stored fingerprint
never changes), and the GB 11643 birth date read without python-stdnum's `compact` (stdnum
stays the authority on every refusal)."""

import hashlib
import json
import random
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from educert_common.errors import Problems
from educert_common.idnumbers import IdType, check_gb11643
from educert_common.testing.people import person
from records.academic.rules import (
    KIND_FIELDS,
    PERSON_FIELDS,
    FieldMemo,
    RecordKind,
    RowContext,
    check_row,
    content_hash,
)
from records.config import RecordsSettings
from records.crypto import secrets_for
from records.imports.reader import RowChecker

CONTEXT = RowContext("4111010001", frozenset({"10001"}), today=date(2026, 12, 2))
SECRETS = secrets_for(RecordsSettings())


def _variants(rng: random.Random) -> dict[str, list[Any]]:
    """Good, bad and odd raw values per field: Chinese labels, codes, typed XLSX cells."""
    return {
        "gender": ["男", "女", "male", "1", "2", "x", "", 1, 1.0],
        "birth_date": ["1999-01-02", "19990102", "1999/1/2", "1999-02-30", date(1999, 1, 2),
                       datetime(1999, 1, 2, 0, 0), "", "abc"],
        "id_type": ["居民身份证", "resident_id", "护照", "RESIDENT_ID", "nonsense", None],
        "ethnicity": ["汉族", "", "  汉 族 ", "蒙古族\u200b"],
        "major": ["计算机科学与技术", "x" * 101, "软件\x07工程", "ＡＢＣ"],
        "level": ["本科", "bachelor", "BACHELOR", "本 科", "硕士", "?"],
        "study_form": ["全日制", "full_time", "非全日制", "bad", None],
        "education_type": ["普通", "regular", "成人", "bad", ""],
        "enrollment_date": ["2019-09-01", "2019.9.1", "1985-09-01", "2030-01-01", "x",
                            date(2019, 9, 1)],
        "study_years": ["4", "4.0", "2.5", "2.3", "9", "x", 4, Decimal("3")],
        "status": ["在籍", "enrolled", "休学", "毕业", "what"],
        "status_date": ["2019-09-01", "", "2031-01-01", "bad"],
        "certificate_number": ["100011202305000123", "AB-12", "x", "200011202305000123"],
        "serial_number": ["NO.00298959", "298959", "N0.1", "abc"],
        "graduation_date": ["2023-06-30", "2018-01-01", "bad"],
        "conclusion": ["毕业", "graduated", "bad"],
        "principal_name": ["张三", "", "x" * 60],
        "degree_level": ["学士", "master", "bad"],
        "discipline": ["工学", "理学", "bad"],
        "awarding_institution_id": ["4111010001", "123", ""],
        "conferred_date": ["2023-06-30", "1980-01-01", "bad"],
    }  # fmt: skip


@pytest.mark.parametrize("kind", list(RecordKind))
def test_check_row_with_a_memo_gives_what_it_gives_without(kind: RecordKind) -> None:
    rng = random.Random(11)
    variants = _variants(rng)
    memo: FieldMemo = {}
    for _ in range(3000):
        who = person(rng, born_after=date(1995, 1, 1))
        raw: dict[str, Any] = {
            "student_number": f"S{rng.randrange(10**6)}",
            "name": who.name,
            "id_number": who.id_number if rng.random() < 0.9 else who.id_number[:-1] + "0",
        }
        for name in (*PERSON_FIELDS, *KIND_FIELDS[kind]):
            if name in variants and rng.random() < 0.9:
                raw[name] = rng.choice(variants[name])
        if rng.random() < 0.5:
            raw["gender"] = "男" if who.gender == "male" else "女"
            raw["birth_date"] = who.birth_date.isoformat()
        plain = check_row(kind, raw, CONTEXT)
        fast = check_row(kind, raw, CONTEXT, memo)
        assert fast.values == plain.values
        assert [(e.field, e.code, e.message) for e in fast.errors] == [
            (e.field, e.code, e.message) for e in plain.errors
        ]


class Colour(StrEnum):
    RED = "red"


class Plain(Enum):
    BLUE = "blue"


# Characters whose JSON escaping differs between encoders, or that orjson refuses (lone
# surrogates, as a pair of code points too), beside plain and non-ASCII text.
_ODD = 'ab"\\/\n\t\b\f\r\x00\x1f\x7f中文€\u2028\u2029\ud7ff\ue000\uffff😀\U0010ffff\ud800\udc80'
_TYPED = [None, date(2020, 1, 2), date(1, 1, 1), datetime(2020, 1, 2, 3, 4), Decimal("4.0"),
          Decimal("NaN"), Decimal("1E+2"), 3, 2**70, 2.5, 1e16, float("nan"), True, Colour.RED,
          Plain.BLUE]  # fmt: skip


def _reference_hash(kind: RecordKind, values: Mapping[str, Any], id_number_hash: str) -> str:
    """content_hash by its definition: every stored fingerprint was made this way."""
    facts = {key: values.get(key) for key in (*PERSON_FIELDS, *KIND_FIELDS[kind])}
    facts["id_number"] = id_number_hash
    text = json.dumps(facts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{kind.value}:{text}".encode()).hexdigest()


def _reference_facts(checker: RowChecker, values: Mapping[str, Any]) -> str:
    """The facts of a version by their definition: str and None as they are, dates in ISO
    form, anything else as its str()."""
    facts = {name: values.get(name) for name in checker.fact_names}
    return json.dumps(
        {
            key: value
            if value is None or isinstance(value, str)
            else value.isoformat()
            if isinstance(value, date)
            else str(value)
            for key, value in facts.items()
        },
        ensure_ascii=False,
    )


def _same_or_both_refused(fast: Callable[[], str], reference: Callable[[], str]) -> None:
    """Equal results, or both raise UnicodeEncodeError (a lone surrogate in the text)."""
    try:
        expected = reference()
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            fast()
        return
    assert fast() == expected


def _assert_as_json_dumps(kind: RecordKind, values: Mapping[str, Any]) -> None:
    _same_or_both_refused(
        lambda: content_hash(kind, values, "h" * 64),
        lambda: _reference_hash(kind, values, "h" * 64),
    )
    checker = RowChecker(kind, CONTEXT, SECRETS)
    # Staged as jsonb: the JSON value counts, not the text. A lone surrogate is held in the
    # text as before (the COPY refuses it).
    assert json.loads(checker.facts_json(values)) == json.loads(_reference_facts(checker, values))


def _odd_text(rng: random.Random) -> str:
    return "".join(rng.choice(_ODD) for _ in range(rng.randrange(0, 12)))


@pytest.mark.parametrize("kind", list(RecordKind))
def test_fingerprints_and_facts_are_json_dumps_text(kind: RecordKind) -> None:
    rng = random.Random(3)
    names = (*PERSON_FIELDS, *KIND_FIELDS[kind], "not_a_field")
    for _ in range(3000):
        values = {
            name: _odd_text(rng) if rng.random() < 0.6 else rng.choice(_TYPED)
            for name in names
            if rng.random() < 0.9
        }
        _assert_as_json_dumps(kind, values)


_VALUES = st.one_of(
    st.text(st.characters(exclude_categories=())),  # every code point, surrogates included
    st.text(st.sampled_from(_ODD)),
    st.none(),
    st.dates(),
    st.datetimes(),
    st.decimals(),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.sampled_from([Colour.RED, Plain.BLUE]),
)


@settings(max_examples=1500, derandomize=True, deadline=None)
@given(
    kind=st.sampled_from(list(RecordKind)),
    values=st.dictionaries(
        st.sampled_from((*PERSON_FIELDS, *{n for f in KIND_FIELDS.values() for n in f}, "x")),
        _VALUES,
    ),
)
def test_any_values_give_json_dumps_text(kind: RecordKind, values: dict[str, Any]) -> None:
    _assert_as_json_dumps(kind, values)


@pytest.mark.parametrize("kind", list(RecordKind))
def test_checked_rows_give_json_dumps_text(kind: RecordKind) -> None:
    rng = random.Random(13)
    variants = _variants(rng)
    for _ in range(500):
        who = person(rng, born_after=date(1995, 1, 1))
        raw: dict[str, Any] = {"student_number": "S1", "name": who.name}
        raw |= {name: rng.choice(variants[name]) for name in KIND_FIELDS[kind] if name in variants}
        values = check_row(kind, raw, CONTEXT).values
        _assert_as_json_dumps(kind, values)


def _pinned(kind: RecordKind, case: str) -> dict[str, Any]:
    fields = (*PERSON_FIELDS, *KIND_FIELDS[kind])
    plain: dict[str, Any] = dict.fromkeys(fields)
    plain |= {"student_number": "S00000001", "name": "张三", "gender": "male",
              "birth_date": date(2000, 1, 2), "id_type": "resident_id",
              "id_number": "110101200001021234"}  # fmt: skip
    if case == "plain":
        return plain
    if case == "odd":
        odd = 'q"b\\s\x00\x08\x0c\n\r\t\x1f\x7f\u2028\u2029中文😀é'
        return {**dict.fromkeys(fields, odd), "birth_date": date(1, 1, 1), "extra": "ignored"}
    return plain | {"name": datetime(2020, 1, 2, 3, 4), "gender": Decimal("2.50"),
                    "id_type": 3, "student_number": 2.5}  # fmt: skip


# Fingerprints written by the code before orjson (rules.JsonObject): they stay what they are.
_PINNED: dict[RecordKind, dict[str, str]] = {
    RecordKind.STUDENT_STATUS: {
        "plain": "1cb5a3af7eced788a390825e1924483fbcee25ecd8cd786405a9f7c1b5acbf10",
        "odd": "008ac727d365d7c9d89d69d74add982dec96f9908071eadfeb10dee5ad879e9c",
        "typed": "c121a50ae3975c79473e50640b962287e0a7a2fe6ad821fd259a03b84691fd75",
    },
    RecordKind.QUALIFICATION: {
        "plain": "255d1dade2ba1521ba1b13a3ee7a85be7ebb9ce2ad92ba50668ad4e508aaf0ff",
        "odd": "8ce5225cbedb179a63dc00da1e35d1ff08a91883eebca08daa317df31ad907e6",
        "typed": "f33186bb132069970ca7c9e82dcf76c9cf4a10662ea8305f6cc2f33425e5ba9e",
    },
    RecordKind.DEGREE: {
        "plain": "0cec23d85b33ec12aefc5a17b0e71119fb7a060f62d2024e3a1c44369a6a2dff",
        "odd": "7ddf4cfda10cdea0b2691d4f0d2acfeb0b04f0722e490997042b942edf290b0f",
        "typed": "04f283042a40e2a3c0cbca346953ed09ae2076a9dd00abeaab4ff017097a037d",
    },
}


@pytest.mark.parametrize("kind", list(RecordKind))
@pytest.mark.parametrize("case", ["plain", "odd", "typed"])
def test_fingerprints_of_before_orjson_are_unchanged(kind: RecordKind, case: str) -> None:
    assert content_hash(kind, _pinned(kind, case), "h" * 64) == _PINNED[kind][case]


def _stdnum_verdict(number: str) -> tuple[str, date | None]:
    """What python-stdnum alone says of a number of the 18-character format."""
    if number[-1] != ric.calc_check_digit(number):
        return "id_number_checksum", None
    try:
        return "ok", ric.get_birth_date(number)
    except StdnumError:
        return "id_number_birth_date", None


def test_gb11643_birth_dates_and_refusals_are_stdnums() -> None:
    rng = random.Random(5)
    numbers = [person(rng).id_number for _ in range(3000)]
    # Impossible dates (Feb 30, month 13, day 00, year 0000, Feb 29 of 1900 and 2000) with
    # their check digit made right, so only the date can refuse them.
    for birth in ("19990230", "19991301", "19990100", "00000101", "19000229", "20000229",
                  "20991231"):  # fmt: skip
        body = f"110101{birth}123"
        numbers.append(body + "0")
        numbers.append(body + ric.calc_check_digit(body + "0"))
    for number in numbers:
        problems = Problems()
        facts = check_gb11643(number, IdType.RESIDENT_ID, problems, "id_number")
        verdict, birth = _stdnum_verdict(number)
        codes = [error.code for error in problems.errors]
        if verdict != "ok":
            assert codes == [verdict]
        elif facts is not None:
            assert facts.birth_date == birth
        else:  # refused for what stdnum was not asked: a future date or an unknown region
            assert codes in (["id_number_birth_date"], ["id_number_region"])
