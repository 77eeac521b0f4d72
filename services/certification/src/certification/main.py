"""App factory: `uvicorn certification.main:create_app --factory`."""

from collections.abc import Mapping
from pathlib import Path

from fastapi import FastAPI

from certification import __doc__ as SERVICE_DESCRIPTION
from certification import api, events
from certification.base import messaging
from certification.config import CertificationSettings
from certification.estimates.coverage import CALENDAR_DAYS_LEFT, calendar_coverage
from certification.estimates.service import local_date
from certification.runtime import clock_for
from educert_common.app import ServiceDefinition, create_service_app
from educert_common.clock import Clock
from educert_common.http.health import WarningCheck
from educert_common.signing.keys import SigningSettings, load_signing_keys


def _warning_checks(app: FastAPI) -> Mapping[str, WarningCheck]:
    clock: Clock = app.state.clock

    async def holiday_calendar() -> str | None:
        # On the process's clock: tests move it to see each state on a running process.
        return calendar_coverage(local_date(clock())).warning()

    return {"holiday_calendar": WarningCheck(holiday_calendar)}


DEFINITION = ServiceDefinition(
    name="certification",
    title="EduCert certification",
    description=SERVICE_DESCRIPTION or "",
    routers=[api.router],
    messaging=messaging,
    migrations_dir=Path(__file__).resolve().parents[2] / "migrations",
    event_handlers=events.handlers,
    warning_checks=_warning_checks,
)


def create_app(settings: CertificationSettings | None = None) -> FastAPI:
    settings = settings or CertificationSettings()
    app = create_service_app(DEFINITION, settings)
    clock = app.state.clock = clock_for(settings)
    # Computed on each scrape, so it counts down without a job to update it.
    CALENDAR_DAYS_LEFT.set_function(lambda: calendar_coverage(local_date(clock())).days_left)
    # Loaded now, not on first use: production refuses to start without its signing keys
    # (the platform's, the same records signs reports with).
    app.state.signing_keys = load_signing_keys(SigningSettings(platform=settings.platform))
    return app
