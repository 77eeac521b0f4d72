"""App factory: `uvicorn records.main:create_app --factory`."""

from dataclasses import replace
from pathlib import Path

from fastapi import FastAPI

from educert_common.app import ServiceDefinition, ServiceRuntime, create_service_app
from educert_common.events.outbox import Outbox
from educert_common.signing.keys import SigningSettings, load_signing_keys
from records import __doc__ as SERVICE_DESCRIPTION
from records import api, events
from records.base import messaging
from records.config import RecordsSettings
from records.imports.worker import import_worker
from records.photochecks.jobs import conclude_photo_checks_job
from records.photos.jobs import photo_registry_job
from records.reports.verifying import Verifications, verification_log
from records.runtime import clock_for

DEFINITION = ServiceDefinition(
    name="records",
    title="EduCert records",
    description=SERVICE_DESCRIPTION or "",
    routers=[api.router],
    messaging=messaging,
    migrations_dir=Path(__file__).resolve().parents[2] / "migrations",
    event_handlers=events.handlers,
    background_jobs=[conclude_photo_checks_job, import_worker, photo_registry_job],
)


def create_app(settings: RecordsSettings | None = None) -> FastAPI:
    settings = settings or RecordsSettings()
    # Verifications are logged behind their answers by this process's writer, one of the
    # app's background jobs (cancelled at shutdown, it writes what is left first).
    log = verification_log(Outbox(DEFINITION.messaging, source=DEFINITION.name))

    async def verification_log_writer(runtime: ServiceRuntime) -> None:
        await log.run(runtime.database)

    definition = replace(
        DEFINITION, background_jobs=[*DEFINITION.background_jobs, verification_log_writer]
    )
    app = create_service_app(definition, settings)
    app.state.verifications = Verifications(log)
    app.state.clock = clock_for(settings)
    # Loaded now, not on first use: production refuses to start without its signing keys.
    app.state.signing_keys = load_signing_keys(SigningSettings(platform=settings.platform))
    return app
