"""Wake a background loop when PostgreSQL says rows are ready (LISTEN/NOTIFY), with polling as
the fallback. The outbox relay and notification's delivery worker both wait on one of these.

Clear the flag *before* looking for work: a NOTIFY that arrives while the work runs then
makes the next `wait` return at once instead of being lost.
"""

import asyncio
import contextlib

import asyncpg
from sqlalchemy.engine import make_url

from educert_common.db import Database


class PostgresWakeup:
    def __init__(self, database: Database, channel: str) -> None:
        self.database = database
        self.channel = channel
        self._flag = asyncio.Event()
        self._listener: asyncpg.Connection | None = None

    def set(self) -> None:
        """Wake the waiter now (a stop request, a finished task freeing a slot)."""
        self._flag.set()

    def clear(self) -> None:
        self._flag.clear()

    async def ensure_listening(self) -> None:
        """(Re)connect the dedicated LISTEN connection if it is missing or broken."""
        if self._listener is not None and not self._listener.is_closed():
            return
        url = self.database.engine.url.render_as_string(hide_password=False)
        dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
        self._listener = await asyncpg.connect(dsn)
        await self._listener.add_listener(self.channel, lambda *_: self._flag.set())

    async def wait(self, seconds: float) -> None:
        """Return when notified or after `seconds`, whichever comes first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._flag.wait(), seconds)

    async def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None and not listener.is_closed():
            try:
                await listener.close(timeout=2)
            except Exception:
                listener.terminate()
