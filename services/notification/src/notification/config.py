"""Settings of the notification service (environment variables prefixed NOTIFICATION_)."""

from pydantic_settings import SettingsConfigDict

from educert_common.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATION_", extra="ignore")

    service_name: str = "notification"
    port: int = 8005
