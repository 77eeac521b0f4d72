"""App factory: `uvicorn identity.main:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from educert_common.app import ServiceDefinition, create_service_app
from identity import __doc__ as SERVICE_DESCRIPTION
from identity import api, events, service
from identity.config import IdentitySettings
from identity.face.service import expire_sessions_job
from identity.models import messaging

DEFINITION = ServiceDefinition(
    name="identity",
    title="EduCert identity",
    description=SERVICE_DESCRIPTION or "",
    routers=[api.router],
    messaging=messaging,
    migrations_dir=Path(__file__).resolve().parents[2] / "migrations",
    internal_routers=[api.internal_router],
    event_handlers=events.HANDLERS,
    background_jobs=[service.ensure_signing_key_at_startup, expire_sessions_job],
)


def create_app(settings: IdentitySettings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or IdentitySettings())
