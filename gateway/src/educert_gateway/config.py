"""Settings of the gateway (environment variables prefixed GATEWAY_)."""

import re

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from educert_common.settings import PlatformSettings, refuse_development_secrets

_ORIGIN = re.compile(
    r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?|https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?"
)


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    platform: PlatformSettings = Field(default_factory=PlatformSettings)
    port: int = 8000
    # Longest wait for an upstream's response headers, and between two body chunks.
    upstream_timeout_seconds: float = Field(default=30.0, gt=0)
    upstream_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    # Pooled keep-alive connections to all upstreams together; idle ones are dropped before
    # uvicorn's own 5 s keep-alive timeout, so a reused connection is never a closed one.
    upstream_pool_size: int = Field(default=256, ge=1)
    upstream_keepalive_seconds: float = Field(default=4.0, gt=0)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=0)
    # Routes that take whole files (bulk imports, material uploads), as path regular
    # expressions, and their cap; it should equal the largest service's own
    # (RECORDS_IMPORT_MAX_BYTES, 160 MiB). A certification material is at most 10 MiB (its
    # slot refuses more), which with the multipart envelope is past max_body_bytes.
    upload_routes: list[str] = Field(
        default_factory=lambda: [
            r"^/api/v1/records/institutions/[0-9]{10}/imports$",
            r"^/api/v1/records/imports/institutions$",
            r"^/api/v1/certification/me/applications/[0-9a-fA-F-]{36}/materials/[a-z][a-z0-9_]{0,63}$",
        ]
    )
    max_upload_bytes: int = Field(default=160 * 1024 * 1024, ge=0)
    # Token bucket per client (token subject, else peer IP): refill per second and capacity.
    rate_limit_per_second: float = Field(default=50.0, gt=0)
    rate_limit_burst: int = Field(default=100, ge=1)
    rate_limit_max_clients: int = Field(default=100_000, ge=1)
    # Where the buckets live: empty keeps them in this process (one machine); a Redis URL
    # (redis://host:6379/0, rediss:// for TLS) shares them between replicas. Redis gets this
    # long per take; if it does not answer, the replica falls back to its own buckets for a
    # moment (fail open to per-replica limits, see limits.py).
    rate_limit_redis_url: str = ""
    rate_limit_redis_prefix: str = Field(default="educert:ratelimit:", min_length=1)
    rate_limit_redis_timeout_seconds: float = Field(default=0.1, gt=0, le=5)
    # Paths not limited per client: payment providers call back from a handful of addresses
    # (their callbacks are signature-checked by payment before anything else).
    rate_limit_exempt_prefixes: list[str] = Field(
        default_factory=lambda: ["/api/v1/payment/callbacks/"]
    )
    # Proxies in front of the gateway (an ingress) whose X-Forwarded-For is believed, as
    # addresses or CIDR networks; the client is the rightmost address not among them.
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1/32", "::1/128"])
    # Exact origins (scheme://host[:port]) get credentialed CORS; "*" lets any other origin
    # read answers without credentials (never both for one origin).
    cors_allowed_origins: list[str] = Field(default_factory=list)
    cors_max_age_seconds: int = Field(default=600, ge=0)
    openapi_cache_seconds: float = Field(default=30.0, ge=0)
    openapi_fetch_timeout_seconds: float = Field(default=3.0, gt=0)
    # Tokens bought with an API key are reused until this long before they expire.
    api_key_token_margin_seconds: float = Field(default=30.0, ge=0)
    api_key_cache_size: int = Field(default=10_000, ge=1)

    @field_validator("cors_allowed_origins")
    @classmethod
    def _check_origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"GATEWAY_CORS_ALLOWED_ORIGINS: {origin!r} is neither an exact origin "
                    "(scheme://host[:port], no path, no wildcard) nor '*'"
                )
        return origins

    @model_validator(mode="after")
    def _refuse_development_secrets_in_production(self) -> "GatewaySettings":
        refuse_development_secrets(self, self.platform)
        return self
