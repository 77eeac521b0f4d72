"""Per-process parts the shared runtime does not carry: keys, the clock, file storage."""

import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from educert_common.app import runtime_of, settings_dependency, settings_reader
from educert_common.audit import AuditLog
from educert_common.db import Database, utcnow
from educert_common.http.client_ip import client_address
from educert_common.storage import FileStorage, LocalFileStorage
from records.base import audit
from records.config import RecordsSettings
from records.crypto import Secrets, secrets_for

Clock = Callable[[], datetime]

settings_of = settings_reader(RecordsSettings)


async def _secrets(request: Request) -> Secrets:
    return secrets_for(settings_of(request))


async def _audit() -> AuditLog:
    return audit


class OffsetClock:
    """The real time plus the seconds written in a file (development and tests only: the
    settings refuse RECORDS_CLOCK_OFFSET_FILE in production). The file is read again only
    when it changes, so a test moves every part of a running process forward at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._offset = timedelta()

    def __call__(self) -> datetime:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return utcnow()
        # The inode too: a test replaces the file, and two writes within one tick of the
        # file system's clock can have the same size and time.
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            text = self.path.read_text().strip()
            self._offset = timedelta(seconds=float(text or 0))
            self._stamp = stamp
        return utcnow() + self._offset


def clock_for(settings: RecordsSettings) -> Clock:
    """The process's clock: the real one, or (development, tests) the offset one."""
    if settings.clock_offset_file:
        return OffsetClock(Path(settings.clock_offset_file))
    return utcnow


async def _clock(request: Request) -> Clock:
    """The app's clock (`app.state.clock`, set by `create_app`); in-process tests of time
    windows may put their own there."""
    return getattr(request.app.state, "clock", None) or utcnow


async def _storage(request: Request) -> FileStorage:
    storage = getattr(request.app.state, "records_storage", None)
    if storage is None:
        storage = LocalFileStorage(Path(settings_of(request).resolved_storage_root()))
        request.app.state.records_storage = storage
    return storage


async def _database(request: Request) -> Database:
    return runtime_of(request).database


async def _client_ip(request: Request) -> str:
    """The caller's address behind the proxies RECORDS_TRUSTED_PROXIES names."""
    peer = request.client.host if request.client else "unknown"
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    return client_address(peer, forwarded, settings_of(request).trusted_proxies)


SettingsDep = Annotated[RecordsSettings, Depends(settings_dependency(RecordsSettings))]
SecretsDep = Annotated[Secrets, Depends(_secrets)]
AuditDep = Annotated[AuditLog, Depends(_audit)]
ClockDep = Annotated[Clock, Depends(_clock)]
StorageDep = Annotated[FileStorage, Depends(_storage)]
# For routes that must commit what a refusal counts (a wrong captcha guess) before raising.
DatabaseDep = Annotated[Database, Depends(_database)]
ClientIp = Annotated[str, Depends(_client_ip)]
