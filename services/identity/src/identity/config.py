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
    # How long a new signing key signs before the next one takes over.
    signing_key_lifetime_days: int = Field(default=90, ge=1)
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=3600)
    # Cache-Control max-age of the published JWKS (gateway and services cache it as well).
    jwks_max_age_seconds: int = Field(default=300, ge=0)
