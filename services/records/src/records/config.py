"""Settings of the records service (environment variables prefixed RECORDS_)."""

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from educert_common.http.client_ip import proxy_networks
from educert_common.settings import ServiceSettings, check_key_ring

# Proxies whose X-Forwarded-For is believed; errors name the variable.
TrustedProxyNetworks = proxy_networks("RECORDS_TRUSTED_PROXIES")


class RecordsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RECORDS_", extra="ignore")

    service_name: str = "records"
    port: int = 8002

    # Encrypts ID numbers at rest (AES-256-GCM, key derived with HKDF). Production refuses
    # this default because it contains the development marker. The keyed hash beside each
    # number uses the platform's EDUCERT_ID_NUMBER_INDEX_SECRET, shared with identity.
    personal_data_secret: str = "dev-only-records-personal-data-secret"
    # Key ring of that encryption (see docs/records.md, "Rotating the personal-data key").
    personal_data_key_id: int = Field(default=1, ge=1, le=255)
    personal_data_retired_secrets: dict[int, str] = Field(default_factory=dict)

    # Institutions report records of students enrolled or graduated since this year.
    earliest_record_year: int = Field(default=1991, ge=1949, le=2100)

    # Only these peers may say who the client is (X-Forwarded-For): the gateway, an ingress.
    trusted_proxies: TrustedProxyNetworks = Field(default=["127.0.0.1/32", "::1/128"])

    # The public new-student query (新生学籍查询, docs/records.md): image captchas, and the
    # counted limits per client address (an IPv4 address or an IPv6 /64) and per ID number.
    enrollment_query_captcha_ttl_seconds: int = Field(default=300, ge=30, le=1800)
    enrollment_query_captcha_max_guesses: int = Field(default=3, ge=1, le=10)
    enrollment_query_captchas_per_address_per_hour: int = Field(default=60, ge=1)
    enrollment_query_per_address_per_hour: int = Field(default=30, ge=1)
    enrollment_query_per_id_number_per_day: int = Field(default=10, ge=1)
    # "Current" enrollments: enrolled (or resumed) within this many days, so the query shows
    # this intake's new students, not everyone still on the rolls.
    enrollment_query_intake_days: int = Field(default=400, ge=30, le=3660)

    # Photo checks: how often the background job concludes answers whose 24 hours are over.
    photo_check_sweep_seconds: float = Field(default=60.0, gt=0)
    # Development and tests only: a file holding a number of seconds added to the clock, so
    # tests of time windows move a running process's time instead of sleeping. Refused in
    # production (see `_no_clock_offset_in_production`).
    clock_offset_file: str = ""

    # Manual binding attempts (certificate number + year + institution) per account per day
    # (Asia/Shanghai), successful or not: certificate numbers cannot be enumerated.
    manual_binding_daily_cap: int = Field(default=10, ge=1)

    # Bulk imports (docs/records.md, "Bulk reporting"): the largest file accepted, rows per
    # file, rows checked and staged per batch, how often a worker looks for queued jobs,
    # how many attempts a job gets before it is failed (a crash mid-way is one attempt), and
    # how many processes check rows.
    import_max_bytes: int = Field(default=160 * 1024 * 1024, ge=1024)
    import_max_rows: int = Field(default=1_100_000, ge=1)
    import_batch_rows: int = Field(default=5000, ge=1, le=100_000)
    import_poll_seconds: float = Field(default=2.0, gt=0)
    import_max_attempts: int = Field(default=3, ge=1)
    # Processes that check rows in parallel (0: one thread of the records process).
    import_processes: int = Field(default=0, ge=0, le=64)

    # Online verification reports (docs/records.md, "Verification reports"): the address
    # people reach the platform at (the gateway), printed in QR codes and alert links; and
    # how many codes that match no report one client address may try per hour before every
    # lookup from it is refused for the rest of the hour (codes cannot be guessed in bulk).
    public_base_url: str = "http://127.0.0.1:8000"
    report_misses_per_address_per_hour: int = Field(default=20, ge=1)

    # Photo upload (docs/records.md, "Photo upload"): the manual review's expected date is this
    # many plain calendar days after the registry check passed (the guide says 7-10 days);
    # how often the job looks for paid attempts to check with the registry, and the delay
    # before asking again when identity did not answer (doubling, at most the maximum).
    photo_review_days: int = Field(default=10, ge=1, le=60)
    photo_registry_poll_seconds: float = Field(default=1.0, gt=0)
    photo_registry_retry_seconds: float = Field(default=5.0, gt=0)
    photo_registry_retry_max_seconds: float = Field(default=600.0, gt=0)

    @model_validator(mode="after")
    def _no_clock_offset_in_production(self) -> "RecordsSettings":
        if self.clock_offset_file and self.platform.environment == "production":
            raise ValueError("RECORDS_CLOCK_OFFSET_FILE is for development and tests only")
        return self

    @model_validator(mode="after")
    def _check_key_ring(self) -> "RecordsSettings":
        check_key_ring(
            "RECORDS_PERSONAL_DATA", self.personal_data_key_id, self.personal_data_retired_secrets
        )
        return self
