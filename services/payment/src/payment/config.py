"""Settings of the payment service (environment variables prefixed PAYMENT_)."""

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from educert_common.settings import ServiceSettings


class PaymentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENT_", extra="ignore")

    service_name: str = "payment"
    port: int = 8004

    # Where people reach the platform (QR codes on receipts, proxy-pay links, callbacks).
    public_base_url: str = "http://127.0.0.1:8000"
    # Where providers send callbacks; empty means `public_base_url` (through the gateway).
    callback_base_url: str = ""
    # Channels offered; UnionPay was switched off (DOMAIN.md).
    channels: list[str] = Field(default=["wechat", "alipay"])

    # Orders
    order_ttl_seconds: int = Field(default=30 * 60, ge=60, le=7 * 24 * 3600)
    expiry_sweep_seconds: float = Field(default=5.0, gt=0)
    # Ask the provider about a started payment when no callback came for this long.
    query_after_seconds: float = Field(default=60.0, ge=0)
    query_every_seconds: float = Field(default=10.0, gt=0)
    # Refunds: submitted by a worker; processing refunds are queried after this long.
    refund_poll_seconds: float = Field(default=1.0, gt=0)
    refund_query_after_seconds: float = Field(default=30.0, ge=0)
    # Submissions without a definite answer are retried after base * 2^(try-1) (at most 10
    # minutes); after this many tries the refund is left "unknown" and only queried.
    refund_retry_base_seconds: float = Field(default=2.0, gt=0)
    refund_max_tries: int = Field(default=8, ge=1, le=50)
    # Reconciliation of yesterday's statements, once a day after this hour (Asia/Shanghai).
    reconcile_daily: bool = True
    reconcile_after_hour: int = Field(default=10, ge=0, le=23)
    max_callback_bytes: int = Field(default=64 * 1024, ge=1024)
    provider_timeout_seconds: float = Field(default=10.0, gt=0)

    # Development keys: generated once into this directory and shared with the sandbox.
    # Refused in production, where every key below must be set.
    dev_key_dir: str = "var/payment-sandbox"
    sandbox_url: str = "http://127.0.0.1:8014"

    # WeChat Pay API v3
    wechat_api_base: str = ""  # empty: the sandbox
    wechat_mchid: str = "1900000109"
    wechat_appid: str = "wxd678efh567hg6787"
    wechat_merchant_serial: str = ""
    wechat_merchant_private_key: str = ""  # PEM
    wechat_platform_serial: str = ""  # "PUB_KEY_ID_..." of the WeChat Pay public key
    wechat_platform_public_key: str = ""  # PEM
    wechat_apiv3_key: str = ""  # 32 ASCII characters
    wechat_max_clock_skew_seconds: int = Field(default=300, ge=10)

    # Alipay (openapi gateway, RSA2)
    alipay_gateway: str = ""  # empty: the sandbox
    alipay_app_id: str = "2021000000000001"
    alipay_seller_id: str = "2088000000000001"
    alipay_app_private_key: str = ""  # PEM
    alipay_public_key: str = ""  # PEM
    alipay_notify_max_age_seconds: int = Field(default=26 * 3600, ge=60)

    def resolved_callback_base(self) -> str:
        return (self.callback_base_url or self.public_base_url).rstrip("/")

    def uses_dev_keys(self) -> bool:
        return not (
            self.wechat_merchant_private_key
            and self.wechat_platform_public_key
            and self.wechat_apiv3_key
            and self.alipay_app_private_key
            and self.alipay_public_key
        )

    @model_validator(mode="after")
    def _production_needs_real_keys(self) -> "PaymentSettings":
        if self.platform.environment == "production" and self.uses_dev_keys():
            raise ValueError("production needs the WeChat Pay and Alipay keys set, not dev keys")
        return self
