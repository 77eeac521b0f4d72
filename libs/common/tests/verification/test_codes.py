"""Verification codes: 80 random bits in Crockford base32, and what a typed code may look like."""

import math

import pytest

from educert_common.verification.codes import ALPHABET, display_code, new_code, normalise_code


def test_alphabet_is_crockford_base32() -> None:
    assert ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert len(set(ALPHABET)) == 32 and not set("ILOU") & set(ALPHABET)


def test_a_new_code_carries_80_random_bits() -> None:
    code = new_code()
    assert len(code) == 16 and set(code) <= set(ALPHABET)
    assert len(code) * math.log2(len(ALPHABET)) == 80


def test_no_two_of_ten_thousand_codes_are_equal() -> None:
    codes = [new_code() for _ in range(10_000)]
    assert len(set(codes)) == 10_000
    # Every letter of the alphabet turns up: the codes draw from all 32, not a subset.
    assert set("".join(codes)) == set(ALPHABET)


def test_a_code_of_another_length() -> None:
    code = new_code(12)
    assert len(code) == 12 and normalise_code(code, 12) == code
    with pytest.raises(ValueError, match="at least one"):
        new_code(0)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7K3M-Q9XD-2R8V-HT4P", "7K3MQ9XD2R8VHT4P"),
        ("7k3m-q9xd-2r8v-ht4p", "7K3MQ9XD2R8VHT4P"),
        ("7K3M Q9XD 2R8V HT4P", "7K3MQ9XD2R8VHT4P"),
        (" 7K3M--Q9XD 2R8V-HT4P ", "7K3MQ9XD2R8VHT4P"),
        # Crockford: O reads as 0, I and L as 1, in either case.
        ("7K3M-Q9XD-2R8V-HTOP", "7K3MQ9XD2R8VHT0P"),
        ("iLoo-1111-0000-2222", "1100111100002222"),
        # A Chinese keyboard's full-width letters, digits, hyphen and space.
        ("７Ｋ３Ｍ－Ｑ９ＸＤ　２Ｒ８Ｖ－ＨＴ４Ｐ", "7K3MQ9XD2R8VHT4P"),
    ],
)
def test_typed_codes_normalise_to_the_stored_form(typed: str, expected: str) -> None:
    assert normalise_code(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "7K3M-Q9XD-2R8V-HT4U",  # U is not in the alphabet
        "7K3M-Q9XD-2R8V-HT4",  # one short
        "7K3M-Q9XD-2R8V-HT4PA",  # one long
        "",
        "----------------",
        "7K3M_Q9XD_2R8V_HT4P",  # only spaces and hyphens are dropped
        "7K3M.Q9XD.2R8V.HT4P",
        "7K3M-Q9XD-2R8V-HT4*",
        "7K3M-Q9XD-2R8V-HT4ı",  # dotless i upper-cases to I: refused, not mapped
        "7K3M-Q9XD-2R8V-HT4é",
        "' OR 1=1 --",
        "7" * 10_000,
    ],
)
def test_anything_else_is_refused(typed: str) -> None:
    assert normalise_code(typed) is None


def test_wrong_length_for_the_caller_is_refused() -> None:
    assert normalise_code("7K3M-Q9XD-2R8V", 12) == "7K3MQ9XD2R8V"
    assert normalise_code("7K3M-Q9XD-2R8V") is None
    assert normalise_code("7K3M-Q9XD-2R8V-HT4P", 12) is None


def test_display_groups_of_four() -> None:
    assert display_code("7K3MQ9XD2R8VHT4P") == "7K3M-Q9XD-2R8V-HT4P"
    assert display_code("7K3MQ9XD2R8V") == "7K3M-Q9XD-2R8V"
    assert display_code("7K3MQ") == "7K3M-Q"
    code = new_code()
    assert normalise_code(display_code(code)) == code
