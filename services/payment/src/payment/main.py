"""App factory: `uvicorn payment.main:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from educert_common.app import ServiceDefinition, create_service_app
from payment import __doc__ as SERVICE_DESCRIPTION
from payment import api, events
from payment.config import PaymentSettings
from payment.models import messaging

DEFINITION = ServiceDefinition(
    name="payment",
    title="EduCert payment",
    description=SERVICE_DESCRIPTION or "",
    routers=[api.router],
    messaging=messaging,
    migrations_dir=Path(__file__).resolve().parents[2] / "migrations",
    event_handlers=events.HANDLERS,
)


def create_app(settings: PaymentSettings | None = None) -> FastAPI:
    return create_service_app(DEFINITION, settings or PaymentSettings())
