"""Settings of the certification service (environment variables prefixed CERTIFICATION_)."""

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from educert_common.http.client_ip import proxy_networks
from educert_common.settings import ServiceSettings

# Proxies whose X-Forwarded-For is believed; errors name the variable.
TrustedProxyNetworks = proxy_networks("CERTIFICATION_TRUSTED_PROXIES")


class CertificationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CERTIFICATION_", extra="ignore")

    service_name: str = "certification"
    port: int = 8003

    # The address people reach the platform at (the gateway): printed in certificates' QR
    # codes and verification links.
    public_base_url: str = "http://127.0.0.1:8000"
    # Certificates' public verification (docs/certification.md, "Certificates and
    # verification"): how many codes that match no certificate one client address may try
    # per hour before every lookup from it is refused for the rest of the hour.
    certificate_misses_per_address_per_hour: int = Field(default=20, ge=1)
    # Only these peers may say who the client is (X-Forwarded-For): the gateway, an ingress.
    trusted_proxies: TrustedProxyNetworks = Field(default=["127.0.0.1/32", "::1/128"])

    # Drafts a user may keep open at once (one application certifies one degree; a user may
    # hold several, but not hundreds).
    max_open_applications_per_user: int = Field(default=10, ge=1, le=100)

    # Estimated completion (certification.estimates): reviewers' throughput is measured over
    # this many working days, and trusted from this many decisions on (else the kinds'
    # nominal review days stand in).
    estimate_window_working_days: int = Field(default=20, ge=1, le=250)
    estimate_min_decisions: int = Field(default=5, ge=1, le=10_000)
    # The accepting institution's confirmation of domestic qualifications: a fixed stage of
    # this many working days, as nothing in the workflow records it yet.
    institution_confirmation_days: int = Field(default=10, ge=0, le=120)
    # Working days a returned application is assumed to wait for its applicant's supplements
    # when no resubmission happened in the window.
    supplement_default_days: int = Field(default=10, ge=0, le=120)

    # Development and tests only: a file holding a number of seconds added to the clock, so
    # tests of time windows move a running process's time instead of sleeping.
    clock_offset_file: str = ""

    @model_validator(mode="after")
    def _no_clock_offset_in_production(self) -> "CertificationSettings":
        if self.clock_offset_file and self.platform.environment == "production":
            raise ValueError("CERTIFICATION_CLOCK_OFFSET_FILE is for development and tests only")
        return self
