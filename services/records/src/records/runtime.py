"""Per-process parts the shared runtime does not carry: keys, the clock, file storage."""

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from educert_common.app import runtime_of, settings_dependency, settings_reader
from educert_common.audit import AuditLog
from educert_common.clock import Clock, clock_from_offset_file
from educert_common.db import Database, utcnow
from educert_common.http.client_ip import client_address
from educert_common.storage import FileStorage, LocalFileStorage
from records.base import audit
from records.config import RecordsSettings
from records.crypto import Secrets, secrets_for
from records.reports.verifying import Verifications

settings_of = settings_reader(RecordsSettings)


async def _secrets(request: Request) -> Secrets:
    return secrets_for(settings_of(request))


async def _audit() -> AuditLog:
    return audit


def clock_for(settings: RecordsSettings) -> Clock:
    """The process's clock: the real one, or (development, tests) the offset one."""
    return clock_from_offset_file(settings.clock_offset_file)


def clock_of(request: Request) -> Clock:
    """The app's clock (`app.state.clock`, set by `create_app`); in-process tests of time
    windows may put their own there."""
    return getattr(request.app.state, "clock", None) or utcnow


async def _clock(request: Request) -> Clock:
    return clock_of(request)


async def _storage(request: Request) -> FileStorage:
    storage = getattr(request.app.state, "records_storage", None)
    if storage is None:
        storage = LocalFileStorage(Path(settings_of(request).resolved_storage_root()))
        request.app.state.records_storage = storage
    return storage


async def _database(request: Request) -> Database:
    return runtime_of(request).database


def verifications_of(request: Request) -> Verifications:
    """The process's verification log writer and lookup slots (`app.state.verifications`,
    set by `create_app`; the writer runs as one of its background jobs)."""
    verifications: Verifications = request.app.state.verifications
    return verifications


async def _verifications(request: Request) -> Verifications:
    return verifications_of(request)


def client_ip_of(request: Request, settings: RecordsSettings) -> str:
    """The caller's address behind the proxies RECORDS_TRUSTED_PROXIES names."""
    peer = request.client.host if request.client else "unknown"
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    return client_address(peer, forwarded, settings.trusted_proxies)


async def _client_ip(request: Request) -> str:
    return client_ip_of(request, settings_of(request))


SettingsDep = Annotated[RecordsSettings, Depends(settings_dependency(RecordsSettings))]
SecretsDep = Annotated[Secrets, Depends(_secrets)]
AuditDep = Annotated[AuditLog, Depends(_audit)]
ClockDep = Annotated[Clock, Depends(_clock)]
StorageDep = Annotated[FileStorage, Depends(_storage)]
# For routes that must commit what a refusal counts (a wrong captcha guess) before raising.
DatabaseDep = Annotated[Database, Depends(_database)]
ClientIp = Annotated[str, Depends(_client_ip)]
VerificationsDep = Annotated[Verifications, Depends(_verifications)]
