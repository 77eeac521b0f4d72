"""Settings of the identity service (environment variables prefixed IDENTITY_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from educert_common.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore")

    service_name: str = "identity"
    port: int = 8001
    # Encrypts private signing keys at rest (AES-GCM, key derived with HKDF). Production
    # refuses this default because it contains the development marker.
    secret_key: str = "dev-only-identity-secret-key-change-me"
    # Encrypts ID numbers and validity dates (AES-256-GCM) and keys the one-time-code HMACs
    # and activation-link signatures (separate HKDF-derived keys per purpose).
    personal_data_secret: str = "dev-only-identity-personal-data-secret"
    # How long a new signing key signs before the next one takes over.
    signing_key_lifetime_days: int = Field(default=90, ge=1)
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=3600)
    # Cache-Control max-age of the published JWKS (gateway and services cache it as well).
    jwks_max_age_seconds: int = Field(default=300, ge=0)

    # Passwords: argon2id, OWASP's password storage cheat sheet (m=19 MiB, t=2, p=1).
    password_memory_kib: int = Field(default=19_456, ge=8_192)
    password_time_cost: int = Field(default=2, ge=1)
    password_parallelism: int = Field(default=1, ge=1)

    # Sessions and refresh tokens.
    refresh_token_ttl_days: int = Field(default=30, ge=1)
    # Login throttling: after `lockout_threshold` failures the key is locked for
    # `lockout_base_seconds`, doubling with every further failure up to `lockout_max_seconds`.
    lockout_threshold: int = Field(default=5, ge=1)
    lockout_ip_threshold: int = Field(default=30, ge=1)
    lockout_base_seconds: int = Field(default=60, ge=1)
    lockout_max_seconds: int = Field(default=3_600, ge=1)
    # Only these peers may say who the client is (X-Forwarded-For): the gateway.
    trusted_proxies: list[str] = Field(default=["127.0.0.1", "::1"])

    # One-time codes.
    code_ttl_seconds: int = Field(default=300, ge=30, le=600)
    code_max_attempts: int = Field(default=5, ge=1)
    code_resend_seconds: int = Field(default=60, ge=0)
    code_daily_cap_per_destination: int = Field(default=10, ge=1)
    code_daily_cap_per_ip: int = Field(default=50, ge=1)
    # E-mail activation links.
    activation_link_ttl_hours: int = Field(default=24, ge=1)
    public_base_url: str = "http://127.0.0.1:8000"

    # Development population registry: simulated latency and transient failures.
    registry_delay_ms: int = Field(default=0, ge=0)
    registry_failure_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    registry_max_attempts: int = Field(default=3, ge=1, le=10)
    registry_backoff_seconds: float = Field(default=0.2, ge=0.0)

    # Real-person (face) verification through the government app.
    face_app_secret: str = "dev-only-face-app-secret"
    face_session_ttl_seconds: int = Field(default=300, ge=30)
    face_callback_window_seconds: int = Field(default=300, ge=10)

    # Partner API keys.
    api_key_token_ttl_seconds: int = Field(default=300, ge=30, le=900)
    api_key_max_overlap_hours: int = Field(default=168, ge=0)

    # Duplicate-ID appeal uploads.
    appeal_max_file_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
