"""Settings of the certification service (environment variables prefixed CERTIFICATION_)."""

from pydantic_settings import SettingsConfigDict

from educert_common.settings import ServiceSettings


class CertificationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CERTIFICATION_", extra="ignore")

    service_name: str = "certification"
    port: int = 8003
