"""App factory: `uvicorn certification.main:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from certification import __doc__ as SERVICE_DESCRIPTION
from certification import api, events
from certification.config import CertificationSettings
from certification.models import messaging
from educert_common.app import ServiceDefinition, create_service_app

DEFINITION = ServiceDefinition(
    name="certification",
    title="EduCert certification",
    description=SERVICE_DESCRIPTION or "",
    routers=[api.router],
    messaging=messaging,
    migrations_dir=Path(__file__).resolve().parents[2] / "migrations",
    event_handlers=events.HANDLERS,
)


def create_app(settings: CertificationSettings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or CertificationSettings())
