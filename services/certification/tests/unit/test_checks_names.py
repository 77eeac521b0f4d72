"""Names across the account, the applicant, the degree and the qualification: each rule
passing and failing, with the field it names."""

from typing import Any

import pytest

from certification.checks import pinyin
from certification.checks.names import Match, match
from certification.checks.text import latin_tokens

from .conftest import Account

NAME = "steps.degree.name_on_certificate"


@pytest.mark.parametrize(
    ("surname", "given", "printed", "expected"),
    [
        ("ZHANG", "WEI", "Wei Zhang", Match.FULL),  # Western order
        ("ZHANG", "WEI", "ZHANG WEI", Match.FULL),
        ("ZHANG", "WEI", "zhang wei", Match.FULL),  # case
        ("ZHANG", "XIAOMING", "Xiao-Ming Zhang", Match.FULL),  # hyphen
        ("ZHANG", "XIAO MING", "XIAOMING ZHANG", Match.FULL),  # spaces
        ("ZHANG", "XIAO-MING", "Zhang Xiao Ming", Match.FULL),
        ("OUYANG", "NAN", "Nan Ou-Yang", Match.FULL),  # a compound surname split
        ("O'BRIEN", "SEAN", "Seán O’Brien", Match.FULL),  # accents, apostrophes
        ("SMITH", "JOHN PAUL", "John Smith", Match.SHORTER),  # middle name left out
        ("SMITH", "JOHN PAUL", "John P. Smith", Match.SHORTER),  # middle initial
        ("ZHANG", "WEI", "David Wei Zhang", Match.LONGER),  # an English name added
        ("ZHANG", "XIAO MING", "David Xiaoming Zhang", Match.LONGER),
        ("SMITH", "JOHN PAUL", "J. P. Smith", None),  # initials alone say too little
        ("ZHANG", "WEI", "Wang Wei", None),
        ("ZHANG", "WEI", "Zhang", None),  # the surname alone
        ("ZHANG", "WEI", "Wei", None),
        ("SMITH", "JOHN", "Jon Smith", None),
    ],
)
def test_a_printed_name_matches_the_passport_name(
    surname: str, given: str, printed: str, expected: Match | None
) -> None:
    assert match(latin_tokens(printed), latin_tokens(surname), latin_tokens(given)) is expected


@pytest.mark.parametrize(
    ("applicant", "printed", "expected"),
    [
        ({}, "Wei Zhang", set()),
        ({}, "ZHANG WEI", set()),
        ({}, "Zhang Wei", set()),
        ({}, "David Wei Zhang", {("name_has_extra_parts", "warning", NAME)}),
        ({}, "Wang Wei", {("name_mismatch", "blocking", NAME)}),
        ({"former_names": ["WANG WEI"]}, "Wang Wei", {("name_former", "warning", NAME)}),
        ({"former_names": ["Wei Wang"]}, "WANG WEI", {("name_former", "warning", NAME)}),
        ({"former_names": ["LI NA"]}, "Wang Wei", {("name_mismatch", "blocking", NAME)}),
        # Printed in Chinese (Hong Kong, Taiwan, joint programmes): compared with 张伟.
        ({}, "张伟", set()),
        ({}, "張偉", {("name_characters_differ", "warning", NAME)}),
        ({}, "王伟", {("name_mismatch", "blocking", NAME)}),
        ({"former_names": ["张小伟"]}, "张小伟", {("name_former", "warning", NAME)}),
    ],
)
def test_the_certificate_name_is_the_passport_name(
    run: Any, foreign: Any, summary: Any, applicant: dict, printed: str, expected: set
) -> None:
    steps = foreign(applicant=applicant, degree={"name_on_certificate": printed})
    assert summary(run(steps)) == expected


def test_a_mismatch_names_both_spellings(run: Any, foreign: Any) -> None:
    [finding] = run(foreign(degree={"name_on_certificate": "Li Na"}))
    assert finding.details == {"passport": "ZHANG WEI", "certificate": "Li Na"}
    assert "former names" in finding.message_en and "曾用名" in finding.message_zh


@pytest.mark.parametrize(
    ("name_zh", "nationality", "expected"),
    [
        ("张伟", "CN", set()),
        ("张 伟", "CN", set()),  # spacing is not a difference
        ("张玮", "CN", {("name_zh_differs", "blocking", "steps.applicant.name_zh")}),
        (None, "CN", {("name_zh_missing", "warning", "steps.applicant.name_zh")}),
        (None, "SG", set()),  # a foreign national may have no Chinese name on file
    ],
)
def test_the_chinese_name_is_the_accounts(
    run: Any, foreign: Any, summary: Any, name_zh: str | None, nationality: str, expected: set
) -> None:
    steps = foreign(applicant={"name_zh": name_zh, "nationality": nationality})
    assert summary(run(steps)) == expected


SURNAME = "steps.applicant.passport_surname"
GIVEN = "steps.applicant.passport_given_names"


@pytest.mark.parametrize(
    ("real_name", "surname", "given", "expected_field"),
    [
        ("张伟", "ZHANG", "WEI", None),
        ("单雨", "SHAN", "YU", None),  # polyphonic surname, its surname reading
        ("单雨", "DAN", "YU", None),  # any reading is accepted
        ("曾小贤", "ZENG", "XIAOXIAN", None),
        ("区伟明", "OU", "WEIMING", None),
        ("吕方", "LYU", "FANG", None),  # ü as YU (passports since 2012)
        ("吕方", "LU", "FANG", None),
        ("吕方", "LV", "FANG", None),
        ("欧阳娜娜", "OUYANG", "NANA", None),  # compound surname
        ("王西安", "WANG", "XI'AN", None),
        ("陈大文", "CHAN", "TAI MAN", SURNAME),  # Cantonese: cannot be derived
        ("李明", "LEE", "MING", SURNAME),
        ("许志明", "HSU", "CHIH-MING", SURNAME),  # Wade-Giles
        ("张伟", "ZHANG", "WAI", GIVEN),  # the surname fits, the given name does not
    ],
)
def test_the_passport_name_spells_the_chinese_name_in_pinyin(
    run: Any,
    foreign: Any,
    real_name: str,
    surname: str,
    given: str,
    expected_field: str | None,
) -> None:
    printed = f"{given} {surname}"
    steps = foreign(
        applicant={
            "passport_surname": surname,
            "passport_given_names": given,
            "name_zh": real_name,
        },
        degree={"name_on_certificate": printed},
    )
    found = run(steps, account=Account(real_name=real_name))
    if expected_field is None:
        assert found == []
    else:
        [finding] = found
        assert (finding.code, finding.severity, finding.field) == (
            "passport_name_not_pinyin",
            "warning",
            expected_field,
        )
        assert finding.details["account_name"] == real_name
        assert finding.details["passport"] == f"{surname} {given}"


def test_readings_cover_every_pronunciation() -> None:
    assert {"SHAN", "DAN"} <= pinyin.readings("单")
    assert {"ZENG", "CENG"} <= pinyin.readings("曾")
    assert {"OU", "QU"} <= pinyin.readings("区")
    assert {"LV", "LU", "LYU"} <= pinyin.readings("吕")
    assert pinyin.readings("A") == frozenset()
    assert pinyin.usual("张伟") == "ZHANG WEI"


def test_a_latin_account_name_is_not_transliterated(run: Any, foreign: Any) -> None:
    steps = foreign(applicant={"name_zh": None, "nationality": "GB"})
    assert run(steps, account=Account(real_name="Wei Zhang")) == []


@pytest.mark.parametrize(
    ("domestic_applicant", "printed", "expected"),
    [
        ({}, "张伟", set()),
        ({}, "王伟", {("name_mismatch", "blocking", "steps.qualification.name_on_certificate")}),
        (
            {"former_names": ["张小伟"]},
            "张小伟",
            {("name_former", "warning", "steps.qualification.name_on_certificate")},
        ),
        (
            {"name_zh": "张玮"},
            "张伟",
            {("name_zh_differs", "blocking", "steps.domestic_applicant.name_zh")},
        ),
    ],
)
def test_the_domestic_names_are_the_accounts(
    run: Any, domestic: Any, summary: Any, domestic_applicant: dict, printed: str, expected: set
) -> None:
    steps = domestic(
        domestic_applicant=domestic_applicant, qualification={"name_on_certificate": printed}
    )
    assert summary(run(steps, kind="domestic_qualification")) == expected
