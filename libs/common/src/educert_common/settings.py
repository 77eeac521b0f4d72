"""Settings shared by all processes (EDUCERT_*) and the base of each service's own (<SERVICE>_*)."""

from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "production"]

SERVICE_NAMES = ("identity", "records", "certification", "payment", "notification")
DEFAULT_PORTS = {
    "gateway": 8000,
    "identity": 8001,
    "records": 8002,
    "certification": 8003,
    "payment": 8004,
    "notification": 8005,
}

DEVELOPMENT_SECRET_MARKER = "dev-only"
ENVIRONMENT_MISSING = (
    "EDUCERT_ENVIRONMENT is not set: set it to production, development or test "
    "(`make run` and the tests set it for you; a deployment must say which it is)"
)


class PlatformSettings(BaseSettings):
    """What every process of the platform agrees on: where things are and who signs tokens."""

    model_config = SettingsConfigDict(env_prefix="EDUCERT_", extra="ignore")

    # No default: a forgotten setting must not quietly turn on development tools. `make run`
    # (devrun) and the tests (testing.infra) set it; every deployment sets it explicitly.
    environment: Environment
    postgres_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432"
    # Every service database is named <prefix><service>; tests use a throwaway prefix per run.
    database_prefix: str = "educert_"
    broker_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    # Exchanges and queues are named <prefix>educert.*; tests use a throwaway prefix per run.
    broker_prefix: str = ""
    host: str = "127.0.0.1"
    identity_url: str = "http://127.0.0.1:8001"
    records_url: str = "http://127.0.0.1:8002"
    certification_url: str = "http://127.0.0.1:8003"
    payment_url: str = "http://127.0.0.1:8004"
    notification_url: str = "http://127.0.0.1:8005"
    jwt_issuer: str = "https://educert.local/identity"
    jwt_audience: str = "educert"
    # Empty means "<identity_url>/api/v1/identity/.well-known/jwks.json".
    jwks_url: str = ""
    jwks_cache_seconds: int = Field(default=300, ge=1)
    # Revocations (identity.credentials.revoked): while the broker is away, how often each
    # process asks identity instead, and after how long without either /readyz says so.
    revocation_poll_seconds: float = Field(default=5.0, gt=0)
    revocation_stale_after_seconds: float = Field(default=15.0, gt=0)
    log_level: str = "INFO"
    # Shared by services for /internal calls (the gateway never forwards those).
    internal_token: str = "dev-only-internal-token"
    # Key of the keyed hash of ID numbers that identity and records both match on.
    id_number_index_secret: str = "dev-only-id-number-index"

    @model_validator(mode="before")
    @classmethod
    def _require_explicit_environment(cls, data: object) -> object:
        if isinstance(data, dict) and not data.get("environment"):
            raise ValueError(ENVIRONMENT_MISSING)
        return data

    def service_url(self, service: str) -> str:
        if service not in SERVICE_NAMES:
            raise ValueError(f"unknown service {service!r}")
        return str(getattr(self, f"{service}_url")).rstrip("/")

    def resolved_jwks_url(self) -> str:
        if self.jwks_url:
            return self.jwks_url
        return f"{self.service_url('identity')}/api/v1/identity/.well-known/jwks.json"


class ServiceSettings(BaseSettings):
    """Base for one service's settings; a subclass sets `env_prefix` and adds its own fields."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = ""
    platform: PlatformSettings = Field(default_factory=PlatformSettings)
    port: int = 0
    # Empty means "<platform.postgres_url>/<platform.database_prefix><service_name>".
    database_url: str = ""
    database_pool_size: int = Field(default=10, ge=1)
    # Empty means "var/storage/<service_name>" under the current directory.
    storage_root: str = ""
    outbox_batch_size: int = Field(default=500, ge=1, le=5000)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_max_backoff_seconds: float = Field(default=30.0, gt=0)
    consumer_prefetch: int = Field(default=200, ge=1, le=5000)
    # Delays between attempts of a failing event handler; after the last one it is dead-lettered.
    consumer_retry_delays_ms: list[int] = Field(default=[1_000, 10_000, 60_000])
    # The broker's own bound on redeliveries (a handler that crashes the process every time).
    consumer_delivery_limit: int = Field(default=10, ge=1)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        base = self.platform.postgres_url.rstrip("/")
        return f"{base}/{self.platform.database_prefix}{self.service_name}"

    def resolved_storage_root(self) -> str:
        return self.storage_root or f"var/storage/{self.service_name}"

    @model_validator(mode="after")
    def _refuse_development_secrets_in_production(self) -> "ServiceSettings":
        refuse_development_secrets(self, self.platform)
        return self


def development_secrets(settings: BaseModel, prefix: str = "") -> list[str]:
    """Names of the settings (nested ones included) that still hold a development value."""
    found = []
    for name, value in settings:
        if isinstance(value, BaseModel):
            found += development_secrets(value, f"{prefix}{name}.")
        elif isinstance(value, str) and DEVELOPMENT_SECRET_MARKER in value:
            found.append(prefix + name)
        elif isinstance(value, dict):
            # Key rings: retired secrets by key id.
            found += [
                f"{prefix}{name}[{key}]"
                for key, item in value.items()
                if isinstance(item, str) and DEVELOPMENT_SECRET_MARKER in item
            ]
    return found


def refuse_development_secrets(settings: BaseModel, platform: PlatformSettings) -> None:
    """In production, refuse to start while any setting still holds a development secret."""
    if platform.environment != "production":
        return
    if leftovers := development_secrets(settings):
        raise ValueError(
            f"{', '.join(leftovers)} still hold development secrets; set them for production"
        )


def check_key_ring(prefix: str, key_id: int, retired: dict[int, str]) -> None:
    """Refuse a personal-data key ring that cannot work: retired ids outside 1-255, empty
    retired secrets, or the current id listed as retired (`prefix` names the settings)."""
    for retired_id, secret in retired.items():
        if not 1 <= retired_id <= 255 or not secret:
            raise ValueError(
                f"{prefix}_RETIRED_SECRETS maps key ids 1-255 to non-empty secrets "
                f"(got id {retired_id})"
            )
    if key_id in retired:
        raise ValueError(
            f"{prefix}_KEY_ID={key_id} is also listed in {prefix}_RETIRED_SECRETS: give the new "
            "secret a new id"
        )
