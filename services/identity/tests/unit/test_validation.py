"""Registration rules, each with a passing and a failing case (GB 11643 sample numbers)."""

from datetime import date
from typing import Any

import pytest

from identity.accounts.passwords import common_password_count
from identity.accounts.validation import (
    IdentityInput,
    Problems,
    check_email,
    check_identity,
    check_mobile,
    check_password,
    check_username,
)

TODAY = date(2026, 6, 1)


def identity(**changes: Any) -> IdentityInput:
    values: dict[str, Any] = {
        "real_name": "王小红",
        "nationality": "CN",
        "gender": "female",
        "id_type": "resident_id",
        # GB 11643-1999's example: female, born 1949-12-31, Beijing Chaoyang.
        "id_number": "11010519491231002X",
        "id_valid_from": date(2020, 1, 1),
        "id_valid_to": date(2040, 1, 1),
        "birth_date": None,
    }
    values.update(changes)
    return IdentityInput(**values)


def codes(data: IdentityInput) -> set[tuple[str, str]]:
    problems = Problems()
    check_identity(data, problems, today=TODAY)
    return {(e.field, e.code) for e in problems.errors}


def test_gb11643_samples_pass_and_yield_birth_date() -> None:
    problems = Problems()
    checked = check_identity(identity(), problems, today=TODAY)
    assert not problems.errors and checked is not None
    assert checked.birth_date == date(1949, 12, 31)
    # The standard's male example, lower-case x and spaces normalised as well.
    assert not codes(identity(id_number="440524188001010014", gender="male"))
    assert not codes(identity(id_number=" 11010519491231002x "))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"id_number": "11010519491231002"}, ("id_number", "id_number_format")),
        ({"id_number": "110105194912310021"}, ("id_number", "id_number_checksum")),
        # Check digit recomputed for a region that does not exist.
        ({"id_number": "990105194912310023"}, ("id_number", "id_number_region")),
        ({"id_number": "110105194902300020"}, ("id_number", "id_number_birth_date")),
        ({"gender": "male"}, ("gender", "gender_mismatch")),
        ({"birth_date": date(1950, 1, 1)}, ("birth_date", "birth_date_mismatch")),
        ({"id_valid_to": date(2026, 5, 31)}, ("id_valid_to", "id_expired")),
        ({"id_valid_from": date(2027, 1, 1)}, ("id_valid_from", "id_valid_from_future")),
        ({"real_name": "WANG XIAOHONG"}, ("real_name", "chinese_name_required")),
        ({"nationality": "GB"}, ("id_type", "id_type_nationality")),
    ],
)
def test_resident_id_rules_refuse(changes: dict[str, Any], expected: tuple[str, str]) -> None:
    assert expected in codes(identity(**changes))


def test_long_term_validity_only_for_resident_ids() -> None:
    assert not codes(identity(id_valid_to=None))
    foreign = identity(
        nationality="GB",
        id_type="foreign_passport",
        id_number="123456789",
        real_name="SMITH JOHN",
        birth_date=date(1990, 1, 1),
        id_valid_to=None,
    )
    assert ("id_valid_to", "id_valid_to_required") in codes(foreign)


@pytest.mark.parametrize(
    ("id_type", "good", "bad"),
    [
        ("cn_passport", "E12345678", "E1234567"),
        ("cn_passport", "EA1234567", "EI1234567"),
        ("cn_passport", "G12345678", "P12345678"),
        ("hk_macau_permit", "H12345678", "X12345678"),
        ("hk_macau_permit", "M87654321", "M8765432"),
        ("taiwan_permit", "12345678", "1234567"),
        ("officer_id", "南字第20230001号", "南字20230001"),
    ],
)
def test_chinese_document_formats(id_type: str, good: str, bad: str) -> None:
    base = {"id_type": id_type, "birth_date": date(1990, 1, 1)}
    assert not codes(identity(**base, id_number=good))
    assert ("id_number", "id_number_format") in codes(identity(**base, id_number=bad))


def test_residence_permits_are_gb11643_with_hmt_regions() -> None:
    # 810000 (Hong Kong) residence permit; check digit computed by GB 11643.
    assert not codes(identity(id_type="hmt_residence_permit", id_number="810000199408230021"))
    assert ("id_number", "id_number_region") in codes(
        identity(id_type="hmt_residence_permit", id_number="11010519491231002X")
    )
    assert ("id_number", "id_number_region") in codes(
        identity(id_type="resident_id", id_number="810000199408230021")
    )


def test_foreign_names_upper_case_latin_spacing_normalised() -> None:
    base = {
        "nationality": "US",
        "id_type": "foreign_passport",
        "id_number": "a1234567",
        "birth_date": date(1990, 1, 1),
    }
    problems = Problems()
    checked = check_identity(identity(**base, real_name="  SMITH   JOHN "), problems, today=TODAY)
    assert checked is not None and checked.real_name == "SMITH JOHN"
    assert checked.id_number == "A1234567"
    assert ("real_name", "name_not_upper_case") in codes(identity(**base, real_name="Smith John"))
    assert ("real_name", "latin_name_required") in codes(identity(**base, real_name="史密斯"))
    assert ("id_number", "id_number_format") in codes(
        identity(**{**base, "id_number": "AB-1"}, real_name="SMITH")
    )
    assert ("birth_date", "birth_date_required") in codes(
        identity(**{**base, "birth_date": None}, real_name="SMITH JOHN")
    )


def test_chinese_names_allow_the_middle_dot() -> None:
    assert not codes(identity(real_name="阿依古丽·买买提"))
    assert ("real_name", "chinese_name_required") in codes(identity(real_name="王1"))


def test_mobile_numbers() -> None:
    problems = Problems()
    mainland = check_mobile("+86 138-1234-5678", problems)
    foreign = check_mobile("+44 7911 123456", problems)
    assert mainland is not None and (mainland.number, mainland.is_mainland) == ("13812345678", True)
    assert foreign is not None and (foreign.number, foreign.is_mainland) == ("+447911123456", False)
    for bad in ("12812345678", "1381234567", "+86123", "07911123456"):
        problems = Problems()
        assert check_mobile(bad, problems) is None and problems.errors[0].code == "mobile_invalid"


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Abc1234", "password_length"),
        ("Abcdefghij1234567890x", "password_length"),
        ("abcdefgh", "password_letters_digits"),
        ("12345678", "password_letters_digits"),
        ("password1", "password_common"),
        ("1qaz2wsx", "password_common"),
        ("Pass wörd1", "password_characters"),
    ],
)
def test_password_rule_refuses(password: str, code: str) -> None:
    problems = Problems()
    assert check_password(password, problems) is None
    assert problems.errors[0].code == code


def test_password_rule_accepts_and_common_list_is_large() -> None:
    assert check_password("Zq7!long-Pass", Problems()) == "Zq7!long-Pass"
    assert common_password_count() >= 4000


def test_email_and_username() -> None:
    assert check_email("Li.Ming@Example.COM", Problems()) == "li.ming@example.com"
    problems = Problems()
    assert check_email("not-an-address", problems) is None
    assert check_username("Li_Ming", Problems()) == "li_ming"
    problems = Problems()
    assert check_username("9abc", problems) is None
