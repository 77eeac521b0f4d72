"""Fixtures of the verification tests: one run per state."""

import pytest

from educert_common.verification import VerificationState

from .samples import STATES


@pytest.fixture(params=STATES)
def state(request: pytest.FixtureRequest) -> VerificationState:
    return request.param  # type: ignore[no-any-return]
