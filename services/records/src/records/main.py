"""App factory: `uvicorn records.main:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from educert_common.app import ServiceDefinition, create_service_app
from records import __doc__ as SERVICE_DESCRIPTION
from records import api, events
from records.base import messaging
from records.config import RecordsSettings

DEFINITION = ServiceDefinition(
    name="records",
    title="EduCert records",
    description=SERVICE_DESCRIPTION or "",
    routers=[api.router],
    messaging=messaging,
    migrations_dir=Path(__file__).resolve().parents[2] / "migrations",
    event_handlers=events.HANDLERS,
)


def create_app(settings: RecordsSettings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or RecordsSettings())
