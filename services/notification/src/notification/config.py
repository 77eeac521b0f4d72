"""Settings of the notification service (environment variables prefixed NOTIFICATION_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from educert_common.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATION_", extra="ignore")

    service_name: str = "notification"
    port: int = 8005

    # E-mail over SMTP. The defaults point at the development SMTP sink that `make run` starts.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_start_tls: bool = False  # upgrade a plain connection with STARTTLS
    smtp_use_tls: bool = False  # implicit TLS (port 465)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    # Open SMTP connections kept for reuse (one message at a time each); an idle one older
    # than `smtp_idle_seconds` or past `smtp_messages_per_connection` is closed, not reused.
    smtp_connections: int = Field(default=8, ge=1, le=200)
    smtp_idle_seconds: float = Field(default=20.0, gt=0)
    smtp_messages_per_connection: int = Field(default=100, ge=1)
    # The EHLO name; empty: this host's FQDN, looked up once per process.
    smtp_local_hostname: str = ""
    mail_from: str = "EduCert <no-reply@educert.local>"
    # Message-IDs are <delivery id>@<this>, so a resent attempt carries the same id.
    message_id_domain: str = "notification.educert.local"

    # SMS through a carrier API shaped like Alibaba Cloud / Tencent Cloud SMS.
    sms_carrier_url: str = "http://127.0.0.1:8026"
    sms_access_key_id: str = "dev-only-sms-access-key"
    sms_access_key_secret: str = "dev-only-sms-access-secret"
    sms_sign_name: str = "EduCert"
    sms_timeout_seconds: float = Field(default=5.0, gt=0)
    # Upper bound for a rendered SMS text (checked when a template is saved).
    sms_max_chars: int = Field(default=300, ge=20, le=1000)

    # Send limits per destination (number or address) for rate-limited routes (codes).
    code_limit_per_minute: int = Field(default=1, ge=1)
    code_limit_per_day: int = Field(default=10, ge=1)

    # Global daily SMS budget (every SMS, per Asia/Shanghai day, counted in the database across
    # replicas); 0 turns it off. Non-essential SMS stop at budget × (100 − reserve) %, the rest
    # is kept for essential ones (codes); over the budget an SMS is refused
    # (`sms_budget_exhausted`). Warnings are logged at 80 % and 100 %.
    sms_daily_budget: int = Field(default=50_000, ge=0)
    sms_budget_essential_reserve_percent: int = Field(default=10, ge=0, le=100)

    # The delivery worker.
    delivery_enabled: bool = True
    delivery_max_attempts: int = Field(default=5, ge=1, le=50)
    delivery_backoff_base_seconds: float = Field(default=2.0, gt=0)
    delivery_backoff_max_seconds: float = Field(default=300.0, gt=0)
    # A claimed delivery not recorded within this time is taken over by another worker.
    delivery_lease_seconds: float = Field(default=60.0, gt=0)
    # Most outcomes recorded in one transaction (the worker writes them in batches).
    delivery_batch_size: int = Field(default=200, ge=1, le=5000)
    delivery_concurrency: int = Field(default=50, ge=1, le=1000)
    delivery_poll_seconds: float = Field(default=1.0, gt=0)
    # The worker's own connection pool (pool + as many overflow), apart from the one the event
    # handlers and the API use, so a busy worker never makes a handler wait for a connection.
    delivery_pool_size: int = Field(default=4, ge=1, le=100)

    # Development tools (captured-mail endpoint); never available in production.
    dev_tools_enabled: bool = True

    def dev_tools_available(self) -> bool:
        return self.dev_tools_enabled and self.platform.environment != "production"
