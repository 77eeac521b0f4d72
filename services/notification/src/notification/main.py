"""App factory: `uvicorn notification.main:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from educert_common.app import ServiceDefinition, create_service_app
from notification import __doc__ as SERVICE_DESCRIPTION
from notification import api, events
from notification.base import messaging
from notification.config import NotificationSettings
from notification.deliveries.worker import delivery_job

DEFINITION = ServiceDefinition(
    name="notification",
    title="EduCert notification",
    description=SERVICE_DESCRIPTION or "",
    routers=[api.router],
    messaging=messaging,
    migrations_dir=Path(__file__).resolve().parents[2] / "migrations",
    event_handlers=events.handlers,
    background_jobs=[delivery_job],
)


def create_app(settings: NotificationSettings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or NotificationSettings())
