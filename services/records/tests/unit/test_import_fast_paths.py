"""The bulk import's fast paths give exactly what the plain code gives: the per-file memo of
field checks, the JSON writer of facts and fingerprints, and the GB 11643 birth date read
without python-stdnum's `compact` (stdnum stays the authority on every refusal)."""

import json
import random
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from educert_common.errors import Problems
from educert_common.idnumbers import IdType, check_gb11643
from educert_common.testing.people import person
from records.academic.rules import (
    KIND_FIELDS,
    PERSON_FIELDS,
    FieldMemo,
    JsonObject,
    RecordKind,
    RowContext,
    check_row,
)

CONTEXT = RowContext("4111010001", frozenset({"10001"}), today=date(2026, 12, 2))


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


def _odd_text(rng: random.Random) -> str:
    alphabet = 'ab"\\\n\t\x00\x1f\x7f中文\u2028\ud7ff€ /'
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))


def test_the_json_writer_writes_what_json_dumps_writes() -> None:
    rng = random.Random(3)
    keys = ("b", "a", "名字", 'q"k', "z")
    canonical = JsonObject(keys, sort_keys=True, separators=(",", ":"), default=str)
    plain = JsonObject(keys)

    def as_text(value: Any) -> Any:
        return value.isoformat() if isinstance(value, date) else str(value)

    facts = JsonObject(keys, default=as_text, others_as_text=True)
    choices = [None, date(2020, 1, 2), datetime(2020, 1, 2, 3, 4), Decimal("4.0"), 3, 2.5,
               True, Colour.RED]  # fmt: skip
    for _ in range(2000):
        values = {
            key: _odd_text(rng) if rng.random() < 0.6 else rng.choice(choices) for key in keys
        }
        assert canonical.encode(values) == json.dumps(
            values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
        )
        assert plain.encode(values) == json.dumps(values, ensure_ascii=False, default=str)
        converted = {
            key: value if value is None or isinstance(value, str) else as_text(value)
            for key, value in values.items()
        }
        assert facts.encode(values) == json.dumps(converted, ensure_ascii=False)


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
