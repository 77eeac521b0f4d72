"""Writing the verification log behind the answer: a lookup by code hands its log row (and
the holder's alert, if they asked for one) to a per-process writer, which inserts what
gathered in one transaction every `max_delay` seconds or `max_rows` rows, whichever first.

Why: one INSERT and COMMIT per verification cost more than the lookup itself (a WAL flush per
request); batching turns a thousand of them into one.

The trade-off, accepted for the log and its alerts (the answer itself always comes from the
current state, read on every request):
- rows wait in this process's memory for up to `max_delay` (50 ms by default); a process
  killed outright (SIGKILL, OOM, power) loses them. A normal shutdown (SIGTERM) writes them:
  the app cancels the writer, which flushes before it ends.
- a batch that fails to write (the database away) is retried with a growing pause, keeping at
  most `max_buffered` rows; past that the oldest are dropped and logged. The log is therefore
  at-most-once, not at-least-once.
- the answer is sent before its row is committed: a holder reading their log right after a
  verification may see it up to `max_delay` later.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import Database

logger = logging.getLogger(__name__)

Item = TypeVar("Item")
# Writes one batch in the given session (the writer commits): the log rows, the alerts.
WriteBatch = Callable[[AsyncSession, Sequence[Item]], Awaitable[None]]

MAX_DELAY_SECONDS = 0.05
MAX_ROWS = 500
MAX_BUFFERED = 100_000
MAX_BACKOFF_SECONDS = 5.0


class LogWriter(Generic[Item]):
    """Buffers items and writes them in batches, in arrival order, off the request path."""

    def __init__(
        self,
        write: WriteBatch[Item],
        *,
        max_delay: float = MAX_DELAY_SECONDS,
        max_rows: int = MAX_ROWS,
        max_buffered: int = MAX_BUFFERED,
    ) -> None:
        self.write = write
        self.max_delay = max_delay
        self.max_rows = max_rows
        self.max_buffered = max_buffered
        self.database: Database | None = None
        self._buffer: list[Item] = []
        self._wake = asyncio.Event()
        self._full = asyncio.Event()
        self._lock = asyncio.Lock()
        # Set once `run` has started (tests wait on it).
        self.running = asyncio.Event()
        self.written = 0
        self.dropped = 0

    def add(self, item: Item) -> None:
        """Queue one item (never waits; the request goes on to answer)."""
        self._buffer.append(item)
        if len(self._buffer) > self.max_buffered:
            del self._buffer[0]
            self.dropped += 1
            if self.dropped % 1000 == 1:
                logger.error("verification log buffer full: oldest rows dropped")
        self._wake.set()
        if len(self._buffer) >= self.max_rows:
            self._full.set()

    @property
    def pending(self) -> int:
        return len(self._buffer)

    async def flush(self) -> None:
        """Write everything queued so far, in one transaction (raises if the write fails; the
        items are then queued again, ahead of newer ones)."""
        if self.database is None:
            raise RuntimeError("the log writer is not running (no database yet)")
        async with self._lock:
            batch, self._buffer = self._buffer, []
            self._full.clear()
            if not batch:
                return
            try:
                async with self.database.transaction() as session:
                    await self.write(session, batch)
            except BaseException:
                self._buffer[:0] = batch
                raise
            self.written += len(batch)

    async def run(self, database: Database) -> None:
        """Write batches until cancelled; on cancellation write what is left, then end."""
        self.database = database
        self.running.set()
        backoff = self.max_delay
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                # Gather for up to max_delay after the first row, or until a batch is full.
                if len(self._buffer) < self.max_rows:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._full.wait(), self.max_delay)
                try:
                    await self.flush()
                    backoff = self.max_delay
                except Exception:
                    logger.exception("verification log batch failed; retrying")
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                if self._buffer:
                    self._wake.set()
        except asyncio.CancelledError:
            await self._final_flush()
            raise

    async def _final_flush(self) -> None:
        try:
            await self.flush()
        except Exception:
            logger.exception(
                "verification log rows lost at shutdown", extra={"rows": len(self._buffer)}
            )
