"""App factory: `uvicorn certification.main:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from certification import __doc__ as SERVICE_DESCRIPTION
from certification import api, events
from certification.base import messaging
from certification.config import CertificationSettings
from certification.runtime import clock_for
from educert_common.app import ServiceDefinition, create_service_app
from educert_common.signing.keys import SigningSettings, load_signing_keys

DEFINITION = ServiceDefinition(
    name="certification",
    title="EduCert certification",
    description=SERVICE_DESCRIPTION or "",
    routers=[api.router],
    messaging=messaging,
    migrations_dir=Path(__file__).resolve().parents[2] / "migrations",
    event_handlers=events.handlers,
)


def create_app(settings: CertificationSettings | None = None) -> FastAPI:
    settings = settings or CertificationSettings()
    app = create_service_app(DEFINITION, settings)
    app.state.clock = clock_for(settings)
    # Loaded now, not on first use: production refuses to start without its signing keys
    # (the platform's, the same records signs reports with).
    app.state.signing_keys = load_signing_keys(SigningSettings(platform=settings.platform))
    return app
