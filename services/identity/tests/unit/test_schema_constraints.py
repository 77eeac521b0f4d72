"""What the request schemas document is what the checks accept: schema-valid means accepted."""

import re
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from identity.accounts.passwords import is_common_password
from identity.accounts.validation import (
    DESTINATION_SCHEMA,
    EMAIL_SCHEMA,
    MOBILE_SCHEMA,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    PASSWORD_SCHEMA,
    USERNAME_SCHEMA,
    Problems,
    check_email,
    check_mobile,
    check_password,
    check_username,
)

DERANDOMIZED = settings(max_examples=40, derandomize=True, deadline=None)


def matching(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    """Strings the schema accepts (pattern and length), as a client or fuzzer would send."""
    low, high = schema.get("minLength", 0), schema.get("maxLength", 10_000)
    return st.from_regex(re.compile(schema["pattern"]), fullmatch=True).filter(
        lambda value: low <= len(value) <= high
    )


@DERANDOMIZED
@given(matching(MOBILE_SCHEMA))
def test_a_mobile_the_schema_accepts_is_accepted(mobile: str) -> None:
    assert check_mobile(mobile, Problems()) is not None


@DERANDOMIZED
@given(matching(EMAIL_SCHEMA))
def test_an_email_the_schema_accepts_is_accepted(email: str) -> None:
    assert check_email(email, Problems()) is not None


@DERANDOMIZED
@given(matching(USERNAME_SCHEMA))
def test_a_username_the_schema_accepts_is_accepted(username: str) -> None:
    assert check_username(username, Problems()) is not None


@DERANDOMIZED
@given(matching(PASSWORD_SCHEMA))
def test_a_password_the_schema_accepts_is_accepted(password: str) -> None:
    # The list of common passwords is the one rule no schema can carry.
    assume(not is_common_password(password))
    assert check_password(password, Problems()) == password


@DERANDOMIZED
@given(matching(DESTINATION_SCHEMA))
def test_a_recovery_destination_the_schema_accepts_is_an_email_or_a_mobile(value: str) -> None:
    checked = check_email(value, Problems()) if "@" in value else check_mobile(value, Problems())
    assert checked is not None


def test_the_password_bounds_are_the_checks_bounds() -> None:
    assert (PASSWORD_SCHEMA["minLength"], PASSWORD_SCHEMA["maxLength"]) == (8, 20)
    assert (PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH) == (8, 20)
    assert check_password("a1" * 3 + "x", Problems()) is None  # 7 characters
    assert check_password("a1" * 10 + "x", Problems()) is None  # 21 characters
