"""Settings of the identity service (environment variables prefixed IDENTITY_)."""

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from educert_common.http.client_ip import proxy_networks
from educert_common.settings import ServiceSettings, check_key_ring

# Proxies whose X-Forwarded-For is believed; errors name the variable.
TrustedProxyNetworks = proxy_networks("IDENTITY_TRUSTED_PROXIES")


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
    # Key ring of that encryption: every ciphertext names its key id (1-255). To rotate, give
    # the new secret a new id and keep the old one here, by id, until `educert-admin
    # rotate-field-key identity` has re-encrypted every row (docs/identity.md). Retired
    # secrets only decrypt. As JSON: IDENTITY_PERSONAL_DATA_RETIRED_SECRETS='{"1": "..."}'.
    personal_data_key_id: int = Field(default=1, ge=1, le=255)
    personal_data_retired_secrets: dict[int, str] = Field(default_factory=dict)
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
    # A key's failure count starts again when its last failure is older than this, so the
    # lock does not grow forever from one guess an hour; keep it below lockout_max_seconds.
    lockout_window_seconds: int = Field(default=900, ge=1)
    # A device token (known device) counts for this long after its login, and never past a
    # password change.
    device_token_ttl_days: int = Field(default=90, ge=1, le=400)
    # Past `lockout_threshold` failures on an account, a client without a device token of that
    # account must solve a captcha per attempt (no hard lock that anyone could keep engaged).
    # "development" is the built-in slider adapter (refused in production); "disabled" offers
    # no captcha, so such clients wait until the account's failures decay.
    captcha_adapter: Literal["development", "disabled"] = "development"
    captcha_challenge_ttl_seconds: int = Field(default=120, ge=10, le=900)
    # How long a solved captcha's single-use pass token is accepted by POST /login.
    captcha_pass_ttl_seconds: int = Field(default=120, ge=10, le=900)
    captcha_daily_cap_per_ip: int = Field(default=500, ge=1)
    # Only these peers may say who the client is (X-Forwarded-For): the gateway, an ingress.
    # Addresses or CIDR networks, as a JSON list or comma-separated
    # (IDENTITY_TRUSTED_PROXIES=10.0.0.0/8,127.0.0.1).
    trusted_proxies: TrustedProxyNetworks = Field(default=["127.0.0.1/32", "::1/128"])

    # One-time codes.
    code_ttl_seconds: int = Field(default=300, ge=30, le=600)
    code_max_attempts: int = Field(default=5, ge=1)
    code_resend_seconds: int = Field(default=60, ge=0)
    code_daily_cap_per_destination: int = Field(default=10, ge=1)
    code_daily_cap_per_ip: int = Field(default=50, ge=1)
    # Registrations and duplicate-ID appeals per client address per 24 h (counted in the
    # database, so every replica agrees; attempts count, successful or not).
    registration_daily_cap_per_ip: int = Field(default=30, ge=1)
    appeal_daily_cap_per_ip: int = Field(default=5, ge=1)
    # E-mail activation links.
    activation_link_ttl_hours: int = Field(default=24, ge=1)
    # An e-mail or mobile an account claimed but never verified is released to whoever
    # registers or changes to it after this long (no squatting on someone else's contact).
    unverified_contact_hold_hours: int = Field(default=168, ge=1)
    # Changing the login e-mail or mobile needs the current password, or a session whose
    # password login is at most this old.
    contact_change_fresh_login_seconds: int = Field(default=300, ge=0, le=3600)
    public_base_url: str = "http://127.0.0.1:8000"

    # Which population registry answers real-name checks: "development" (the
    # registry_people table, loaded by CSV; refused in production) or "disabled" (every
    # check answers 503 until a production adapter is configured).
    registry_adapter: Literal["development", "disabled"] = "development"
    # Real-name checks per account and per client address in 24 h; beyond, 429.
    realname_daily_cap_per_account: int = Field(default=5, ge=1)
    realname_daily_cap_per_ip: int = Field(default=20, ge=1)
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

    @model_validator(mode="after")
    def _check_key_ring(self) -> "IdentitySettings":
        check_key_ring(
            "IDENTITY_PERSONAL_DATA", self.personal_data_key_id, self.personal_data_retired_secrets
        )
        return self

    @model_validator(mode="after")
    def _refuse_development_adapters_in_production(self) -> "IdentitySettings":
        if self.platform.environment == "production" and self.registry_adapter == "development":
            raise ValueError(
                "IDENTITY_REGISTRY_ADAPTER=development answers from a table operators load by "
                "CSV and must not run in production; set IDENTITY_REGISTRY_ADAPTER to a "
                "production adapter (or 'disabled')"
            )
        if self.platform.environment == "production" and self.captcha_adapter == "development":
            raise ValueError(
                "IDENTITY_CAPTCHA_ADAPTER=development is a built-in slider whose answer is in "
                "the challenge and must not run in production; set IDENTITY_CAPTCHA_ADAPTER to "
                "a production adapter (or 'disabled')"
            )
        return self
