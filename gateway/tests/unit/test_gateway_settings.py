"""The gateway's settings share the platform's refusals (moved from libs/common's tests, which
depend on no service)."""

import pytest
from pydantic import ValidationError

from educert_common.settings import PlatformSettings
from educert_gateway.config import GatewaySettings


def test_the_gateway_refuses_development_secrets_too() -> None:
    with pytest.raises(ValidationError, match=r"platform\.internal_token"):
        GatewaySettings(platform=PlatformSettings(environment="production"))
