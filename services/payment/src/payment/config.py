"""Settings of the payment service (environment variables prefixed PAYMENT_)."""

from pydantic_settings import SettingsConfigDict

from educert_common.settings import ServiceSettings


class PaymentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENT_", extra="ignore")

    service_name: str = "payment"
    port: int = 8004
