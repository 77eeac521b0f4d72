"""Per-process parts the shared runtime does not carry: the clock, file storage, the audit log."""

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from certification.base import audit
from certification.config import CertificationSettings
from educert_common.app import settings_dependency, settings_reader
from educert_common.audit import AuditLog
from educert_common.clock import Clock, clock_from_offset_file
from educert_common.db import utcnow
from educert_common.http.client_ip import client_address
from educert_common.storage import FileStorage, LocalFileStorage

settings_of = settings_reader(CertificationSettings)


def clock_for(settings: CertificationSettings) -> Clock:
    """The process's clock: the real one, or (development, tests) the offset one."""
    return clock_from_offset_file(settings.clock_offset_file)


async def _audit() -> AuditLog:
    return audit


async def _clock(request: Request) -> Clock:
    """The app's clock (`app.state.clock`, set by `create_app`)."""
    return getattr(request.app.state, "clock", None) or utcnow


def storage_for(settings: CertificationSettings) -> FileStorage:
    return LocalFileStorage(Path(settings.resolved_storage_root()))


async def _storage(request: Request) -> FileStorage:
    storage = getattr(request.app.state, "certification_storage", None)
    if storage is None:
        storage = storage_for(settings_of(request))
        request.app.state.certification_storage = storage
    return storage


async def _client_ip(request: Request) -> str:
    """The caller's address behind the proxies CERTIFICATION_TRUSTED_PROXIES names."""
    peer = request.client.host if request.client else "unknown"
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    return client_address(peer, forwarded, settings_of(request).trusted_proxies)


SettingsDep = Annotated[CertificationSettings, Depends(settings_dependency(CertificationSettings))]
AuditDep = Annotated[AuditLog, Depends(_audit)]
ClockDep = Annotated[Clock, Depends(_clock)]
StorageDep = Annotated[FileStorage, Depends(_storage)]
ClientIp = Annotated[str, Depends(_client_ip)]
