"""A development SMTP server that keeps every message it receives (aiosmtpd).

`uvicorn notification.devtools.smtp_sink:create_app --factory --port 8025`

SMTP listens on NOTIFICATION_SMTP_HOST:NOTIFICATION_SMTP_PORT (the address the notification
service sends to); the HTTP port serves /readyz. Each message is stored in the notification
database (`captured_mail`), where operators read it through
GET /api/v1/notification/dev/mail. Development and test only.
"""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email import policy
from email.parser import BytesParser
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from educert_common.db import Database
from notification.config import NotificationSettings
from notification.devmail.models import CapturedMail
from notification.devmail.repository import CapturedMailRepository

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 10 * 1024 * 1024


class CapturingHandler:
    """aiosmtpd handler: store the message, answer 250."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.received = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or (
            envelope.content if isinstance(envelope.content, bytes) else b""
        )
        headers = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
        try:
            async with self.database.transaction() as db:
                await CapturedMailRepository(db).add(
                    CapturedMail(
                        id=uuid.uuid4(),
                        mail_from=str(envelope.mail_from or "")[:320],
                        recipients=[str(r).lower()[:320] for r in envelope.rcpt_tos],
                        subject=str(headers.get("Subject", "")) or None,
                        message_id=(str(headers.get("Message-ID", "")) or None),
                        raw=raw,
                    )
                )
        except Exception:
            logger.exception("could not store a captured message")
            return "451 Requested action aborted: local error in processing"
        self.received += 1
        return "250 Message accepted for delivery"


def create_app(settings: NotificationSettings | None = None) -> FastAPI:
    settings = settings or NotificationSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database.connect(settings.resolved_database_url(), pool_size=5)
        handler = CapturingHandler(database)
        app.state.handler = handler
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(handler, data_size_limit=MAX_MESSAGE_BYTES, hostname="educert-sink"),
            host=settings.smtp_host,
            port=settings.smtp_port,
        )
        logger.info("SMTP sink listening on %s:%s", settings.smtp_host, settings.smtp_port)
        try:
            yield
        finally:
            server.close()
            await server.wait_closed()
            await database.dispose()

    app = FastAPI(title="EduCert development SMTP sink", lifespan=lifespan, docs_url=None)

    @app.get("/healthz")
    @app.get("/readyz")
    async def ready() -> Any:
        return JSONResponse({"status": "ready", "received": app.state.handler.received})

    return app
