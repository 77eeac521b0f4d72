"""Settings of the records service (environment variables prefixed RECORDS_)."""

from pydantic_settings import SettingsConfigDict

from educert_common.settings import ServiceSettings


class RecordsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RECORDS_", extra="ignore")

    service_name: str = "records"
    port: int = 8002
