"""Helpers for the gateway's end-to-end tests (importable here, since test directories are not
packages): how the test platform is configured and what its fixture hands to tests."""

from dataclasses import dataclass

from educert_common.testing.processes import RunningProcess

ALLOWED_ORIGIN = "http://app.example"
MAX_BODY_BYTES = 1024


@dataclass
class Platform:
    services: dict[str, RunningProcess]
    gateway: RunningProcess
    # Tight rate limit, and payment pointed at a closed port.
    limited_gateway: RunningProcess
