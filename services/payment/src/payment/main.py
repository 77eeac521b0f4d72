"""App factory: `uvicorn payment.main:create_app --factory`."""

from pathlib import Path

from fastapi import FastAPI

from educert_common.app import ServiceDefinition, create_service_app
from payment import __doc__ as SERVICE_DESCRIPTION
from payment import api, events, jobs
from payment.base import messaging
from payment.config import PaymentSettings
from payment.runtime import providers_for

DEFINITION = ServiceDefinition(
    name="payment",
    title="EduCert payment",
    description=SERVICE_DESCRIPTION or "",
    routers=[api.router],
    messaging=messaging,
    migrations_dir=Path(__file__).resolve().parents[2] / "migrations",
    internal_routers=[api.internal_router],
    event_handlers=events.HANDLERS,
    background_jobs=jobs.JOBS,
)


def create_app(settings: PaymentSettings | None = None) -> FastAPI:
    settings = settings or PaymentSettings()
    providers_for(settings)  # load (in development: create) the keys before serving
    return create_service_app(DEFINITION, settings)
