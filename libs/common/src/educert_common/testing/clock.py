"""Moving a running process's clock from a test: the offset file its settings name
(`<SERVICE>_CLOCK_OFFSET_FILE`, read by `educert_common.clock.OffsetClock`)."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path


class MovableClock:
    """The offset a process's clock runs ahead by, moved by the test."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = timedelta()
        self._write()

    def _write(self) -> None:
        # Replaced, not rewritten: the process notices the new file at once.
        temporary = self.path.with_suffix(".new")
        temporary.write_text(str(self.offset.total_seconds()))
        os.replace(temporary, self.path)

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)
        self._write()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset
