"""Gateway settings that would open a hole are refused at start."""

import pytest
from pydantic import ValidationError

from educert_gateway.config import GatewaySettings


@pytest.mark.parametrize(
    "origin",
    ["null", "https://*.example.com", "https://app.example/path", "app.example", "*.example"],
)
def test_cors_origins_must_be_exact_origins_or_the_wildcard(
    monkeypatch: pytest.MonkeyPatch, origin: str
) -> None:
    monkeypatch.setenv("GATEWAY_CORS_ALLOWED_ORIGINS", f'["{origin}"]')
    with pytest.raises(ValidationError, match="GATEWAY_CORS_ALLOWED_ORIGINS"):
        GatewaySettings()


def test_cors_accepts_exact_origins_and_the_wildcard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "GATEWAY_CORS_ALLOWED_ORIGINS", '["*", "https://app.example", "http://127.0.0.1:3000"]'
    )
    assert GatewaySettings().cors_allowed_origins == [
        "*",
        "https://app.example",
        "http://127.0.0.1:3000",
    ]
