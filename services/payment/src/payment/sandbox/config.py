"""Settings of the sandbox process (environment variables prefixed PAYMENT_SANDBOX_)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from payment.config import PaymentSettings


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENT_SANDBOX_", extra="ignore")

    port: int = 8014
    # Where payers and the payment service reach the sandbox (links on QR codes, bills).
    public_url: str = ""
    # Empty: the payment service's dev key directory (PAYMENT_DEV_KEY_DIR), shared with it.
    key_dir: str = ""
    # Delay of the automatic notification after the payer confirms on the hosted page.
    notify_delay_ms: int = Field(default=0, ge=0)
    refund_notify_delay_ms: int = Field(default=0, ge=0)
    max_clock_skew_seconds: int = 300


def resolved(settings: SandboxSettings) -> tuple[SandboxSettings, PaymentSettings]:
    payment = PaymentSettings()
    updates: dict[str, object] = {}
    if not settings.key_dir:
        updates["key_dir"] = payment.dev_key_dir
    if not settings.public_url:
        updates["public_url"] = payment.sandbox_url.rstrip("/")
    return settings.model_copy(update=updates), payment
