"""Settings of the identity service (environment variables prefixed IDENTITY_)."""

from pydantic_settings import SettingsConfigDict

from educert_common.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore")

    service_name: str = "identity"
    port: int = 8001
